using System.Net;

namespace McpAuthProxy.OAuth.Network;

/// <summary>
/// The proxy that <c>HTTPS_PROXY</c>, <c>HTTP_PROXY</c>, <c>ALL_PROXY</c> and <c>NO_PROXY</c> name (each also in lower
/// case, which wins, as in curl and .NET): <c>https_proxy</c> for https URLs, <c>http_proxy</c> for http URLs,
/// <c>all_proxy</c> for either when the other is unset. A value without a scheme is <c>http://</c>; http, https,
/// socks4, socks4a and socks5 proxies work; credentials in the URL (<c>http://user:pass@proxy:3128</c>) are sent to
/// the proxy and never logged. <see cref="NoProxyList"/> says which hosts go direct. Loopback is not special: add
/// <c>localhost,127.0.0.1,::1</c> to NO_PROXY where a local server must not go through the proxy.
/// </summary>
public sealed class EnvironmentProxy : IWebProxy
{
    private static readonly string[] Schemes = ["http", "https", "socks4", "socks4a", "socks5"];

    private EnvironmentProxy(ProxyAddress? http, ProxyAddress? https, NoProxyList bypass)
    {
        Http = http;
        Https = https;
        Bypass = bypass;
        if (http?.Credentials is not null || https?.Credentials is not null)
        {
            Credentials = new ProxyCredentials(http, https);
        }
    }

    /// <summary>The proxy for http URLs, or null.</summary>
    public ProxyAddress? Http { get; }

    /// <summary>The proxy for https URLs, or null.</summary>
    public ProxyAddress? Https { get; }

    public NoProxyList Bypass { get; }

    /// <summary>The credentials written in the proxy URLs, each given only to its own proxy.</summary>
    public ICredentials? Credentials { get; set; }

    /// <summary>The proxy the environment names, or null when no proxy variable is set.</summary>
    /// <exception cref="OAuthException">A variable holds something that is not a proxy URL.</exception>
    public static EnvironmentProxy? FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var all = Read(environment, "all_proxy");
        var http = Read(environment, "http_proxy") ?? all;
        var https = Read(environment, "https_proxy") ?? all;
        var bypass = NoProxyList.Parse(Value(environment, "no_proxy")?.Value);
        return http is null && https is null ? null : new EnvironmentProxy(http, https, bypass);
    }

    public Uri? GetProxy(Uri destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return IsBypassed(destination) ? null : For(destination)!.Uri;
    }

    public bool IsBypassed(Uri host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return For(host) is null || Bypass.Matches(host);
    }

    /// <summary>The proxy a request to <paramref name="destination"/> goes through, or null when it goes direct.</summary>
    public ProxyAddress? Route(Uri destination) => IsBypassed(destination) ? null : For(destination);

    private ProxyAddress? For(Uri destination) =>
        string.Equals(destination.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase) || string.Equals(destination.Scheme, Uri.UriSchemeWss, StringComparison.OrdinalIgnoreCase)
            ? Https
            : Http;

    private static (string Name, string Value)? Value(Func<string, string?> environment, string lower)
    {
        foreach (var name in (string[])[lower, lower.ToUpperInvariant()])
        {
            if (environment(name) is { } value && !string.IsNullOrWhiteSpace(value))
            {
                return (name, value.Trim());
            }
        }

        return null;
    }

    private static ProxyAddress? Read(Func<string, string?> environment, string lower)
    {
        if (Value(environment, lower) is not var (name, value))
        {
            return null;
        }

        var text = value.Contains("://", StringComparison.Ordinal) ? value : "http://" + value;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !Schemes.Contains(uri.Scheme) || uri.Host.Length == 0
            || (uri.AbsolutePath != "/" && uri.AbsolutePath.Length > 0) || uri.Query.Length > 0)
        {
            throw new OAuthException($"{name} is not a proxy URL; write e.g. {name}=http://proxy.example.com:3128 (or unset it).");
        }

        NetworkCredential? credentials = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            credentials = colon < 0
                ? new NetworkCredential(Uri.UnescapeDataString(uri.UserInfo), "")
                : new NetworkCredential(Uri.UnescapeDataString(uri.UserInfo[..colon]), Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]));
        }

        var bare = new UriBuilder(uri) { UserName = "", Password = "" }.Uri;
        return new ProxyAddress(bare, name, credentials);
    }
}

file sealed class ProxyCredentials(ProxyAddress? http, ProxyAddress? https) : ICredentials
{
    public NetworkCredential? GetCredential(Uri uri, string authType) =>
        Same(uri, https) ? https!.Credentials : Same(uri, http) ? http!.Credentials : null;

    private static bool Same(Uri uri, ProxyAddress? proxy) =>
        proxy is not null && string.Equals(uri.Host, proxy.Uri.Host, StringComparison.OrdinalIgnoreCase) && uri.Port == proxy.Uri.Port;
}
