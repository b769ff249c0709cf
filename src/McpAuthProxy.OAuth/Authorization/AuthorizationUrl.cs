using System.Net;
using System.Text;

namespace McpAuthProxy.OAuth.Authorization;

/// <summary>Builds and checks the URL a browser is sent to.</summary>
public static class AuthorizationUrl
{
    /// <summary>Appends <paramref name="parameters"/> to <paramref name="endpoint"/>, keeping any query it already has.</summary>
    public static Uri Build(string endpoint, IEnumerable<KeyValuePair<string, string?>> parameters)
    {
        var sb = new StringBuilder(endpoint);
        var separator = endpoint.Contains('?', StringComparison.Ordinal) ? (endpoint.EndsWith('?') || endpoint.EndsWith('&') ? "" : "&") : "?";
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            sb.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            separator = "&";
        }

        return new Uri(sb.ToString());
    }

    /// <summary>Only https, or http to a loopback host, may reach a browser (MCP security best practices).</summary>
    public static void EnsureSafe(Uri url)
    {
        if (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && IsLoopback(url)))
        {
            return;
        }

        throw new OAuthException($"Refusing to open the authorization URL {url.GetLeftPart(UriPartial.Path)}: only https, or http on loopback, is allowed. Check the identity provider's authorization_endpoint.");
    }

    public static bool IsLoopback(Uri url) =>
        url.IsLoopback || string.Equals(url.Host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
