using System.Net.Http.Headers;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;

namespace McpAuthProxy.Gateway.Tests.Infrastructure;

/// <summary>One issuer, one MCP upstream and one gateway in front of it, shared by a collection.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string ScopesYaml = """
        protected_resource_metadata:
          scopes_supported:
            - tools/call:
              - echo: "mcp:tools"
              - add: "mcp:tools"
              - admin_reset: ["mcp:tools", "mcp:admin"]
        """;

    public TestIdentityProvider Idp { get; private set; } = null!;
    public McpUpstreamServer Upstream { get; private set; } = null!;
    public GatewayHost Gateway { get; private set; } = null!;
    public LogCollector Logs { get; } = new();

    public string McpUrl => Gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp";

    /// <summary>The audience the gateway accepts: its resource identifier.</summary>
    public string Resource => McpUrl;

    public async ValueTask InitializeAsync()
    {
        Idp = await TestIdentityProvider.StartAsync();
        Upstream = await McpUpstreamServer.StartAsync();
        Environment.SetEnvironmentVariable("GATEWAY_TEST_UPSTREAM_KEY", "upstream-secret");
        Gateway = await StartGatewayAsync($"""
            listen_port: 8080
            base_url: "{Upstream.BaseUrl.ToString().TrimEnd('/')}"
            transport_mode: streamable_http
            paths:
              sse: /sse
              messages: /messages/
              streamable_http: /mcp
            cors:
              allowed_origins:
                - "http://localhost:6274"
              allow_credentials: true
            upstream_auth:
              header: X-Api-Key
              value_env: GATEWAY_TEST_UPSTREAM_KEY
            max_body_bytes: 65536
            {ScopesYaml}
              authorization_servers:
                - "{Idp.Issuer}"
            """, Logs);
    }

    public static async Task<GatewayHost> StartGatewayAsync(string yaml, LogCollector? logs = null)
    {
        var result = GatewayConfigLoader.Load(yaml, new Dictionary<string, string>());
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return await GatewayHost.StartAsync(GatewaySettings.From(result.Config!), new GatewayHostOptions
        {
            Urls = "http://127.0.0.1:0",
            MinimumLogLevel = LogLevel.Debug,
            ConfigureLogging = logging => logging.AddProvider(logs ?? new LogCollector()),
        }, TestContext.Current.CancellationToken);
    }

    public string Token(string? scope = "mcp:tools", string subject = "alice") => Idp.Issue(Resource, subject, scope);

    public HttpClient Http(string? token = null)
    {
        var client = new HttpClient { BaseAddress = Gateway.BaseUrl, Timeout = TestTimeouts.Default };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public Task<McpClient> ConnectAsync(string token, string? url = null) => ConnectToAsync(url ?? McpUrl, token);

    public static async Task<McpClient> ConnectToAsync(string url, string token)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(url),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        });
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2025-11-25" },
            cancellationToken: TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
        await Idp.DisposeAsync();
    }
}

[CollectionDefinition(nameof(GatewayCollection))]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>;
