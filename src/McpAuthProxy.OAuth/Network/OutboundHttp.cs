using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace McpAuthProxy.OAuth.Network;

/// <summary>
/// The one place outbound HTTP handlers are made, for the identity provider and the MCP server alike: the proxy from
/// <c>HTTPS_PROXY</c>/<c>HTTP_PROXY</c>/<c>ALL_PROXY</c>/<c>NO_PROXY</c> (<see cref="EnvironmentProxy"/>), the CAs of
/// <c>--ca-cert</c> and <c>SSL_CERT_FILE</c> trusted besides the system's (<see cref="TrustedCertificates"/>), and
/// failures of either turned into one line that says what to do (<see cref="NetworkErrorHandler"/>). Where no proxy
/// variable is set, .NET's default proxy applies (the system's settings on Windows and macOS, none on Linux).
/// </summary>
public sealed class OutboundHttp
{
    private readonly ConcurrentDictionary<string, SslPolicyErrors> _refusals = new(StringComparer.OrdinalIgnoreCase);

    private OutboundHttp(EnvironmentProxy? proxy, TrustedCertificates? trust)
    {
        Proxy = proxy;
        Trust = trust;
    }

    /// <summary>The proxy the environment names; null when it names none.</summary>
    public EnvironmentProxy? Proxy { get; }

    /// <summary>The CAs trusted besides the system's; null when there are none.</summary>
    public TrustedCertificates? Trust { get; }

    /// <summary>Reads the environment and the CA files once.</summary>
    /// <exception cref="OAuthException">A proxy variable or a CA file is wrong; the message is one line that says which and how to fix it.</exception>
    public static OutboundHttp Create(NetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var environment = options.Environment ?? Environment.GetEnvironmentVariable;
        var proxy = EnvironmentProxy.FromEnvironment(environment);
        var files = options.CaCertificateFiles.Select(path => (path, "--ca-cert")).ToList();
        if (environment("SSL_CERT_FILE") is { Length: > 0 } bundle)
        {
            files.Add((bundle, "SSL_CERT_FILE"));
        }

        return new OutboundHttp(proxy, files.Count == 0 ? null : TrustedCertificates.Load(files));
    }

    /// <summary>A SocketsHttpHandler with the proxy and the trusted CAs; <paramref name="configure"/> sets the rest (timeouts, redirects).</summary>
    public SocketsHttpHandler CreateSocketsHandler(Action<SocketsHttpHandler>? configure = null)
    {
        var handler = new SocketsHttpHandler();
        configure?.Invoke(handler);
        if (Proxy is not null)
        {
            handler.Proxy = Proxy;
            handler.UseProxy = true;
        }

        // Always our check, so that a failure can say which part failed: a connection is made apart from the request
        // that waits for it, so what was wrong is kept per host for NetworkErrorHandler.
        var trust = Trust;
        handler.SslOptions ??= new SslClientAuthenticationOptions();
        handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            var accepted = trust?.Validate(certificate as X509Certificate2, chain, errors) ?? errors == SslPolicyErrors.None;
            if (!accepted && sender is SslStream { TargetHostName: { Length: > 0 } host })
            {
                if (_refusals.Count > 64)
                {
                    _refusals.Clear();
                }

                _refusals[host] = errors;
            }

            return accepted;
        };

        return handler;
    }

    /// <summary>What was wrong with the certificate <paramref name="host"/> last presented, if it was refused.</summary>
    internal SslPolicyErrors? LastRefusal(string host) => _refusals.TryGetValue(host, out var errors) ? errors : null;

    /// <summary><see cref="CreateSocketsHandler"/> behind <see cref="NetworkErrorHandler"/>: the handler to build on.</summary>
    public HttpMessageHandler CreateHandler(Action<SocketsHttpHandler>? configure = null) =>
        new NetworkErrorHandler(this) { InnerHandler = CreateSocketsHandler(configure) };

    /// <summary>An HttpClient on <see cref="CreateHandler"/> (the backchannel to the identity provider, for one).</summary>
    public HttpClient CreateClient(TimeSpan timeout, Action<SocketsHttpHandler>? configure = null) =>
        new(CreateHandler(configure)) { Timeout = timeout };

    /// <summary>One line for <c>status</c> and <c>--debug</c>: the proxies, NO_PROXY and the extra CAs, never credentials.</summary>
    public string Describe()
    {
        var proxy = Proxy is null
            ? "no proxy variable set (system proxy settings on Windows and macOS)"
            : $"https via {Proxy.Https?.ToString() ?? "direct"}, http via {Proxy.Http?.ToString() ?? "direct"}{(Proxy.Bypass.BypassesAll ? ", NO_PROXY=* (all direct)" : "")}";
        var trust = Trust is null ? "system CAs" : "system CAs + " + string.Join(", ", Trust.Files);
        return $"network: {proxy}; trust: {trust}";
    }
}
