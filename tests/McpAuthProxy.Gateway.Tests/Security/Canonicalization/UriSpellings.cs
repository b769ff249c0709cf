using CsCheck;

namespace McpAuthProxy.Gateway.Tests.Security.Canonicalization;

/// <summary>Other spellings of a resource URI: the hand-picked ones of the issue, and a generator of many more.</summary>
public static class UriSpellings
{
    /// <summary>
    /// Spellings of file:///secret. What the TypeScript SDK server resolves each to (new URL(uri).toString()) is noted;
    /// the C# SDK server (System.Uri equality, templates matched ignoring case) also reads %73ecret as secret and
    /// ignores #fragments. Every one must be refused through the gateway to a token without mcp:admin.
    /// </summary>
    public static readonly string[] OfFileSecret =
    [
        "FILE:///secret",               // TS: file:///secret
        "File:///secret",               // TS: file:///secret
        "file://localhost/secret",      // TS: file:///secret
        "file://LOCALHOST/secret",      // TS: file:///secret
        "file:/secret",                 // TS: file:///secret
        "file:secret",                  // TS: file:///secret
        " file:///secret ",             // TS: file:///secret (trimmed); C#: trimmed too
        "\tfile:///secret\n",           // TS: file:///secret
        "file:///sec\tret",             // TS: file:///secret (tabs and newlines deleted anywhere)
        "file:///sec\nret",             // TS: file:///secret
        "\u0000file:///secret",         // TS: file:///secret (C0 controls trimmed)
        "file:///secret\u001f",         // TS: file:///secret
        "file:///a/../secret",          // TS: file:///secret; C#: file:///secret
        "file:///./secret",             // TS: file:///secret
        "file:///%2e/secret",           // TS: file:///secret
        "file:///x/%2E%2E/secret",      // TS: file:///secret
        "file:///x/.%2e/secret",        // TS: file:///secret
        "file:\\\\\\secret",            // TS: file:///secret (backslashes are slashes)
        "file:\\\\localhost\\secret",   // TS: file:///secret
        "file:/\\/secret",              // TS: file:///secret
        "file:/./secret",               // TS: file:///secret
        "file:///%73ecret",             // TS: file:///%73ecret (not found); C#: file:///secret
        "file:///sec%72et",             // C#: file:///secret
        "file:///secret#x",             // TS: file:///secret#x (not found); C#: equal to file:///secret
        "file:///secret#",              // C#: equal to file:///secret
        "file:///Secret",               // TS: file:///Secret (another resource); C# templates ignore case
        "file:///SECRET",
        "file:///secret/",              // a trailing slash: some servers drop it
        "file:////secret",              // TS: file:////secret; servers that merge slashes: file:///secret
        "file://user@/secret",          // C# ignores user information
        "file:///vault/x/../../secret", // TS: file:///secret
    ];

    /// <summary>Spellings of the other protected resources (a non-special scheme, and a template's expansion).</summary>
    public static readonly string[] OfOthers =
    [
        "DEMO://notes/secret",          // TS: demo://notes/secret
        "demo://notes/./secret",        // TS: demo://notes/secret
        "demo://notes/x/../secret",     // TS: demo://notes/secret
        "demo://NOTES/secret",          // TS: demo://NOTES/secret (opaque host); C#: demo://notes/secret
        "demo://notes/%73ecret",        // C#: demo://notes/secret
        "file:///VAULT/x",              // C#: the template file:///vault/{name} matches ignoring case, name=x
        "file:///vault/%78",            // C#: the template decodes %78 to x
        "file:///vault/X",              // C#: name=X; the rule for file:///vault/x covers it ignoring case
        "file:///vault/y/../x",         // TS: file:///vault/x
        "file:///vault/./x",            // TS: file:///vault/x
    ];

    public static readonly string[] Protected = ["file:///secret", "demo://notes/secret", "file:///vault/x"];

    // Fragments inserted by the generator: what servers delete, resolve or decode.
    private static readonly string[] Inserts = ["\t", "\n", " ", "\u0000", "\\", "/./", "/x/../", "/%2e/", "/.%2E/", "/%2E%2e/", "//", "#", "#frag", "?", "%20", "@"];

    private static readonly string[] Prefixes = ["", "", "", " ", "\t", "\u0001", "FILE:", "File:", "file://localhost", "file:/", "file:", "file:////", "file:\\\\\\", "file://LOCALHOST"];

    /// <summary>
    /// Spellings of a protected URI: random case changes, percent-encodings (either hex case), inserted controls, dot
    /// segments, slashes and backslashes, other file: prefixes. Some resolve to the resource at a real server, most do not.
    /// </summary>
    public static Gen<string> Generated { get; } =
        Gen.Select(Gen.Int[0, Protected.Length - 1], Gen.Int[0, Prefixes.Length - 1], Gen.Int[0, 1_000_000].Array[0, 4], Mutate);

    private static string Mutate(int which, int prefix, int[] operations)
    {
        var uri = Protected[which];
        if (uri.StartsWith("file:///", StringComparison.Ordinal) && Prefixes[prefix].Length > 0)
        {
            uri = Prefixes[prefix] switch
            {
                var p when p.StartsWith("file", StringComparison.OrdinalIgnoreCase) && p.EndsWith(':') => p + "///" + uri["file:///".Length..],
                var p when p.StartsWith("file", StringComparison.OrdinalIgnoreCase) => p + "/" + uri["file:///".Length..],
                var p => p + uri,
            };
        }

        foreach (var operation in operations)
        {
            var at = operation / 8 % (uri.Length + 1);
            switch (operation % 8)
            {
                case 0 or 1:
                    if (at < uri.Length && char.IsAsciiLetter(uri[at]))
                    {
                        uri = uri[..at] + (char.IsAsciiLetterUpper(uri[at]) ? char.ToLowerInvariant(uri[at]) : char.ToUpperInvariant(uri[at])) + uri[(at + 1)..];
                    }

                    break;
                case 2 or 3:
                    if (at < uri.Length)
                    {
                        var hex = ((int)uri[at]).ToString(operation % 8 == 2 ? "X2" : "x2", System.Globalization.CultureInfo.InvariantCulture);
                        uri = uri[..at] + "%" + hex + uri[(at + 1)..];
                    }

                    break;
                case 4 or 5:
                    uri = uri[..at] + Inserts[operation / 7 % Inserts.Length] + uri[at..];
                    break;
                case 6:
                    var slash = uri.IndexOf('/', at % Math.Max(uri.Length, 1));
                    if (slash >= 0)
                    {
                        uri = uri[..slash] + "\\" + uri[(slash + 1)..];
                    }

                    break;
                default:
                    uri = operation % 3 == 0 ? uri + "/" : operation % 3 == 1 ? " " + uri : uri + "\n";
                    break;
            }
        }

        return uri;
    }
}
