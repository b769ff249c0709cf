using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Gateway.Transport;

/// <summary>
/// The one session a request names. Streamable HTTP names it in <c>Mcp-Session-Id</c>, legacy HTTP+SSE in the query
/// (<c>sessionId</c> for the TypeScript SDK, <c>session_id</c> for Python's); servers route by different ones, and a
/// query parser may match names ignoring case or take the first or the last of two. So a request may name a session once
/// only: one header value, or one query parameter whose decoded name is one of those (in any case), never both; and the
/// id must be visible ASCII (0x21 to 0x7E), as the transport says. Anything else is refused before the owner check.
/// </summary>
internal static class SessionDesignator
{
    public const int MaxLength = 256;

    /// <summary>The session the request names ("" for none), or the problem that makes it ambiguous.</summary>
    public static (string SessionId, string? Problem) Read(HttpRequest request)
    {
        var named = new List<string>();
        foreach (var value in request.Headers["Mcp-Session-Id"])
        {
            named.Add(value ?? "");
        }

        var query = request.QueryString.Value;
        if (!string.IsNullOrEmpty(query))
        {
            foreach (var pair in query.TrimStart('?').Split('&', ';'))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Decode(eq < 0 ? pair : pair[..eq]);
                if (name.Equals("sessionId", StringComparison.OrdinalIgnoreCase) || name.Equals("session_id", StringComparison.OrdinalIgnoreCase))
                {
                    named.Add(eq < 0 ? "" : Decode(pair[(eq + 1)..]));
                }
            }
        }

        if (named.Count == 0)
        {
            return ("", null);
        }

        if (named.Count > 1)
        {
            return ("", "the request names its session more than once (Mcp-Session-Id, sessionId, session_id)");
        }

        var id = named[0];
        if (id.Length is 0 or > MaxLength || id.Any(c => c is < '!' or > '~'))
        {
            return ("", $"a session id must be 1 to {MaxLength} visible ASCII characters");
        }

        return (id, null);
    }

    private static string Decode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return text;
        }
    }
}
