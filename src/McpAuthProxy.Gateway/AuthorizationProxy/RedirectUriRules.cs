namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>
/// Which redirect URIs the front registers: native loopback (<c>http://127.0.0.1</c>, <c>http://[::1]</c>,
/// <c>http://localhost</c>, any port) or https, absolute, without fragment, user info or wildcard. At the authorization
/// endpoint a redirect URI must equal a registered one character for character: never a pattern.
/// </summary>
internal static class RedirectUriRules
{
    /// <summary>Null when <paramref name="value"/> may be registered, else why not.</summary>
    public static string? Problem(string value)
    {
        if (value.Length is 0 or > 2000)
        {
            return "a redirect URI must be 1 to 2000 characters";
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            return $"'{value}' is not an absolute URI";
        }

        if (value.Contains('*', StringComparison.Ordinal) || value.Contains('#', StringComparison.Ordinal))
        {
            return $"'{value}' has a wildcard or fragment; register the exact URI";
        }

        if (uri.UserInfo.Length > 0)
        {
            return $"'{value}' carries user info";
        }

        return uri.Scheme switch
        {
            "https" when uri.Host.Length > 0 => null,
            "http" when IsLoopbackHost(uri.Host) => null,
            "http" => $"'{value}' is plain http on a host that is not loopback; use https or http://127.0.0.1:<port>",
            _ => $"'{value}' has scheme '{uri.Scheme}'; only https and http loopback redirect URIs are accepted",
        };
    }

    public static bool IsLoopbackHost(string host) =>
        host is "127.0.0.1" or "[::1]" or "::1" or "localhost";

    /// <summary>Exact, ordinal comparison against the registered URIs.</summary>
    public static bool IsRegistered(RegisteredClient client, string redirectUri) => client.RedirectUris.Contains(redirectUri, StringComparer.Ordinal);
}
