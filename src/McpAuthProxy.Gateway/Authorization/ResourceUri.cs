using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace McpAuthProxy.Gateway.Authorization;

/// <summary>
/// The one spelling of a resource URI the gateway forwards. MCP servers look resources up in their own ways: the
/// TypeScript SDK by <c>new URL(uri).toString()</c> (WHATWG URL: scheme and special hosts lowercased, <c>localhost</c>
/// dropped from <c>file:</c> URIs, dot segments and <c>%2e</c> removed, backslashes read as slashes, tabs and newlines
/// deleted, surrounding spaces and controls trimmed, <c>file:/x</c> and <c>file:x</c> completed), the C# SDK by
/// <c>System.Uri</c> equality (which also decodes <c>%73</c> to <c>s</c> and ignores fragments and user information)
/// and its templates case-insensitively. A URI is canonical when none of these readings can change it: each character
/// has exactly one spelling (literal where it may be literal, <c>%XX</c> in uppercase hex where it may not), and none of
/// the forms above appears. A request naming a non-canonical URI is refused with the reason (<see cref="Problem"/>); a
/// rule is matched by <see cref="MatchKey"/>, which ignores case and a trailing slash, so that a rule covers every
/// spelling a server might take for the same resource (at the price of also covering URIs that differ only in case).
/// </summary>
internal static class ResourceUri
{
    public const int MaxLength = 8192;

    // Schemes the WHATWG URL standard treats as special (host and path normalized), with their default ports.
    private static readonly Dictionary<string, int?> SpecialSchemes = new(StringComparer.Ordinal)
    {
        ["http"] = 80,
        ["https"] = 443,
        ["ws"] = 80,
        ["wss"] = 443,
        ["ftp"] = 21,
        ["file"] = null,
    };

    // Printable ASCII that may not appear literally (it must be percent-encoded), and so may be percent-encoded.
    private const string MustEncode = "\"#%<>\\^`{|}";

    /// <summary>Null when <paramref name="uri"/> is canonical; otherwise what is wrong and how to write it.</summary>
    public static string? Problem(string uri)
    {
        if (uri.Length == 0)
        {
            return "is empty";
        }

        if (uri.Length > MaxLength)
        {
            return $"is longer than {MaxLength} characters";
        }

        for (var i = 0; i < uri.Length; i++)
        {
            var c = uri[i];
            if (c is < '!' or > '~')
            {
                return c == ' ' || char.IsControl(c)
                    ? "contains a space or control character, which servers delete or trim (percent-encode it)"
                    : "contains a character outside ASCII (percent-encode its UTF-8 bytes)";
            }

            if (c == '#')
            {
                return "has a fragment ('#'), which some servers ignore and others keep";
            }

            if (c == '%')
            {
                if (i + 2 >= uri.Length || !IsUpperHex(uri[i + 1]) || !IsUpperHex(uri[i + 2]))
                {
                    return "has a '%' that is not followed by two uppercase hexadecimal digits";
                }

                var value = (char)int.Parse(uri.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (value == '\\' || (value is >= '!' and <= '~' && !MustEncode.Contains(value, StringComparison.Ordinal)))
                {
                    return $"percent-encodes '{value}' (%{uri.Substring(i + 1, 2)}), which servers decode: write '{value}' as it is";
                }

                i += 2;
                continue;
            }

            if (MustEncode.Contains(c, StringComparison.Ordinal))
            {
                return $"contains '{c}', which servers read differently (percent-encode it)";
            }
        }

        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !IsScheme(uri.AsSpan(0, colon)))
        {
            return colon > 0 && IsScheme(uri[..colon].ToLowerInvariant())
                ? "has an uppercase scheme (write it in lowercase)"
                : "is not an absolute URI (scheme:...)";
        }

        var scheme = uri[..colon];
        var special = SpecialSchemes.TryGetValue(scheme, out var defaultPort);
        var rest = uri.AsSpan(colon + 1);
        var queryAt = rest.IndexOf('?');
        var beforeQuery = queryAt < 0 ? rest : rest[..queryAt];
        ReadOnlySpan<char> path;
        if (beforeQuery.StartsWith("//"))
        {
            var authorityEnd = beforeQuery[2..].IndexOf('/');
            var authority = authorityEnd < 0 ? beforeQuery[2..] : beforeQuery.Slice(2, authorityEnd);
            path = authorityEnd < 0 ? [] : beforeQuery[(2 + authorityEnd)..];
            if (AuthorityProblem(scheme, special, defaultPort, authority) is { } problem)
            {
                return problem;
            }

            if (special && path.IsEmpty)
            {
                return $"has no path: end it with '/' ({uri}/)";
            }
        }
        else
        {
            if (special)
            {
                return scheme == "file" ? "is a file URI without '//': write file:///path" : $"has no '//' after '{scheme}:'";
            }

            path = beforeQuery;
            if (path.IsEmpty)
            {
                return "has nothing after the scheme";
            }
        }

        var segments = path.ToString().Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (segments[i] is "." or "..")
            {
                return "has a '.' or '..' path segment, which servers resolve";
            }

            // "/a/b": the first segment is empty (the path is absolute); "/a/": the last is (a trailing slash).
            if (segments[i].Length == 0 && i > 0 && i < segments.Length - 1)
            {
                return "has an empty path segment ('//'), which some servers merge";
            }
        }

        if (special && queryAt >= 0 && rest[queryAt..].Contains('\''))
        {
            return "has a \"'\" in its query, which some servers percent-encode (write %27)";
        }

        return null;
    }

    /// <summary>The key a canonical URI is matched by: lowercase, without a trailing slash on its path.</summary>
    public static string MatchKey(string uri)
    {
        var key = uri.Trim().ToLowerInvariant();
        return key.Length > 1 && key.EndsWith('/') && key[^2] != '/' && !key.Contains('?', StringComparison.Ordinal) ? key[..^1] : key;
    }

    private static string? AuthorityProblem(string scheme, bool special, int? defaultPort, ReadOnlySpan<char> authority)
    {
        if (authority.Contains('@'))
        {
            return "has user information ('user@host'), which some servers ignore";
        }

        ReadOnlySpan<char> host;
        ReadOnlySpan<char> port = default;
        var hasPort = false;
        if (authority.StartsWith("["))
        {
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                return "has a '[' without ']' in its host";
            }

            var literal = authority[1..close];
            if (literal.Contains('.') || literal.Contains('%') || !IPAddress.TryParse(literal, out var address)
                || address.AddressFamily != AddressFamily.InterNetworkV6 || !literal.SequenceEqual(address.ToString()))
            {
                return "has an IPv6 address not in its shortest lowercase form (RFC 5952)";
            }

            host = authority[..(close + 1)];
            var after = authority[(close + 1)..];
            if (!after.IsEmpty)
            {
                if (after[0] != ':')
                {
                    return "has characters after its IPv6 address";
                }

                hasPort = true;
                port = after[1..];
            }
        }
        else
        {
            var lastColon = authority.LastIndexOf(':');
            host = lastColon < 0 ? authority : authority[..lastColon];
            if (lastColon >= 0)
            {
                hasPort = true;
                port = authority[(lastColon + 1)..];
            }

            if (host.ContainsAnyInRange('A', 'Z'))
            {
                return "has an uppercase host (write it in lowercase)";
            }

            if (host.ContainsAny("%:[]"))
            {
                return "has a host with '%', ':', '[' or ']'";
            }

            if (special)
            {
                if (host.IsEmpty && scheme != "file")
                {
                    return "has no host";
                }

                if (scheme == "file" && host.SequenceEqual("localhost"))
                {
                    return "names localhost as a file URI's host, which servers drop: write file:///path";
                }

                foreach (var c in host)
                {
                    if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
                    {
                        return "has a host with characters other than letters, digits, '-', '.' and '_'";
                    }
                }

                if (host.IndexOf("..", StringComparison.Ordinal) >= 0)
                {
                    return "has an empty label in its host";
                }

                if (LooksNumeric(host) && !IsDottedQuad(host))
                {
                    return "has an IPv4 address not written as four decimal numbers (e.g. 127.0.0.1)";
                }
            }
        }

        if (hasPort)
        {
            if (port.IsEmpty)
            {
                return "has a ':' with no port after it";
            }

            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535 || port[0] == '0')
            {
                return "has a port that is not a number from 1 to 65535 without leading zeros";
            }

            if (number == defaultPort)
            {
                return $"names the default port of {scheme} ({number}), which servers drop";
            }

            if (scheme == "file")
            {
                return "has a port in a file URI";
            }
        }

        return null;
    }

    // WHATWG: a host whose last label (before an optional trailing dot) is a number is read as an IPv4 address.
    private static bool LooksNumeric(ReadOnlySpan<char> host)
    {
        var trimmed = host.EndsWith(".") ? host[..^1] : host;
        var last = trimmed[(trimmed.LastIndexOf('.') + 1)..];
        if (last.IsEmpty)
        {
            return false;
        }

        if (last.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var c in last)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDottedQuad(ReadOnlySpan<char> host)
    {
        var parts = host.ToString().Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0')
            && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }

    private static bool IsScheme(ReadOnlySpan<char> scheme)
    {
        if (scheme.IsEmpty || !char.IsAsciiLetterLower(scheme[0]))
        {
            return false;
        }

        foreach (var c in scheme)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '+' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsUpperHex(char c) => char.IsAsciiDigit(c) || c is >= 'A' and <= 'F';
}
