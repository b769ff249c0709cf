using System.Collections.Concurrent;
using System.Text.Json;
using McpAuthProxy.DevIdentity;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Testing;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Tests.Infrastructure;

/// <summary>The identity provider the gateway fronts in a test.</summary>
public enum FrontProvider
{
    /// <summary>oidc-provider from npm with dynamic client registration switched off.</summary>
    OidcProviderWithoutRegistration,

    /// <summary>The embedded identity provider with registration switched off (its real sign-in and consent pages).</summary>
    EmbeddedWithoutRegistration,

    /// <summary>oidc-provider, no registration, whose token endpoint refuses requests without <c>audience=mcp_api</c>.</summary>
    OidcProviderNeedingAudience,
}

/// <summary>
/// A gateway whose <c>authorization_proxy</c> fronts an identity provider without registration, in front of the sample
/// MCP server over stdio: what an MCP client signs in through. The gateway runs in process (its log is kept); the
/// providers are real (oidc-provider as a Node child process, or the embedded one).
/// </summary>
public sealed class FrontStack : IAsyncDisposable
{
    private readonly ChildProcess? _node;
    private readonly DevIdentityServer? _embedded;
    private readonly ConcurrentQueue<string> _log;

    private FrontStack(GatewayHost gateway, string issuer, ChildProcess? node, DevIdentityServer? embedded, ConcurrentQueue<string> log)
    {
        Gateway = gateway;
        Issuer = issuer;
        _node = node;
        _embedded = embedded;
        _log = log;
    }

    public GatewayHost Gateway { get; }

    public string Issuer { get; }

    public string McpUrl => Gateway.BaseUrl.AbsoluteUri.TrimEnd('/') + "/mcp";

    public string GatewayLog => string.Join('\n', _log);

    public string ProviderLog => _node?.Stderr ?? "";

    /// <summary>What the browser needs for this provider's sign-in page (the embedded one asks for a password).</summary>
    public IReadOnlyDictionary<string, string?> BrowserEnvironment => _embedded is null
        ? new Dictionary<string, string?>()
        : new Dictionary<string, string?> { ["TEST_BROWSER_USER"] = "demo", ["TEST_BROWSER_PASSWORD"] = "demo-password" };

    public static async Task<FrontStack> StartAsync(FrontProvider provider, CancellationToken cancellationToken, string? extraYaml = null)
    {
        ChildProcess? node = null;
        DevIdentityServer? embedded = null;
        string issuer;
        if (provider == FrontProvider.EmbeddedWithoutRegistration)
        {
            embedded = await DevIdentityServer.StartAsync(new DevIdentityOptions
            {
                DisableRegistration = true,
                Clients =
                [
                    .. DevIdentityDefaults.Clients,
                    new DevIdentityClient { ClientId = "mcp-gateway", ClientSecret = "gateway-secret", DisplayName = "MCP gateway", RedirectUris = [new Uri("http://127.0.0.1/oauth/callback")] },
                ],
            }, cancellationToken);
            issuer = embedded.Issuer.AbsoluteUri;
        }
        else
        {
            var environment = new Dictionary<string, string?> { ["LOG"] = "1", ["REGISTRATION"] = "0" };
            if (provider == FrontProvider.OidcProviderNeedingAudience)
            {
                environment["REQUIRE_TOKEN_PARAM"] = "audience=mcp_api";
            }

            node = ChildProcess.Start(RepoPaths.Node, [Path.Combine(RepoPaths.E2E, "gateway-idp.mjs")], environment);
            var ready = await node.ReadStdoutLineAsync(l => l.Contains("\"ready\":true", StringComparison.Ordinal), cancellationToken);
            using var json = JsonDocument.Parse(ready);
            issuer = json.RootElement.GetProperty("issuer").GetString()!;
        }

        var log = new ConcurrentQueue<string>();
        try
        {
            var yaml = GatewayYaml(issuer, provider == FrontProvider.OidcProviderNeedingAudience) + (extraYaml ?? "");
            var loaded = GatewayConfigLoader.Load(yaml, new Dictionary<string, string>());
            Assert.True(loaded.Succeeded, string.Join("\n", loaded.Errors));
            var gateway = await GatewayHost.StartAsync(GatewaySettings.From(loaded.Config!), new GatewayHostOptions
            {
                Urls = "http://127.0.0.1:0",
                MinimumLogLevel = LogLevel.Debug,
                ConfigureLogging = logging => logging.AddProvider(new QueueLoggerProvider(log)),
            }, cancellationToken);
            return new FrontStack(gateway, issuer, node, embedded, log);
        }
        catch
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }

            if (embedded is not null)
            {
                await embedded.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>The configuration a user writes: the provider, the gateway's client there, and the sample server.</summary>
    public static string GatewayYaml(string issuer, bool audienceParameter) => $"""
        listen_port: 8080
        transport_mode: stdio
        stdio:
          enabled: true
          user_command: "dotnet"
          args: ["{RepoPaths.ProxyDll}", "sample-server"]
        protected_resource_metadata:
          authorization_servers: ["{issuer}"]
          scopes_supported:
            - tools/call:
              - echo: "mcp:tools"
        token_validation:
          issuer: "{issuer}"
        authorization_proxy:
          client_id: mcp-gateway
          client_secret: gateway-secret
          provider_timeout_seconds: 60
        {(audienceParameter ? """
        default:
          path:
            /token:
              addBodyParams:
                - name: audience
                  value: mcp_api
        """ : "")}
        """;

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }
    }

    private sealed class QueueLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(lines, categoryName);

        public void Dispose()
        {
        }

        private sealed class QueueLogger(ConcurrentQueue<string> lines, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)}");
        }
    }
}
