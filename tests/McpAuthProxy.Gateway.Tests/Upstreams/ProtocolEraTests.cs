using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Gateway.Tests.Upstreams;

/// <summary>An SDK client with default options (it negotiates the newest protocol it can) works through the gateway.</summary>
public sealed class ProtocolEraTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> EchoWithDefaultClientAsync(string url, string token)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(url),
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        });
        await using var client = await McpClient.CreateAsync(transport, cancellationToken: Ct);
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "default" }, cancellationToken: Ct);
        return Assert.IsType<TextContentBlock>(result.Content.First()).Text;
    }

    [Fact]
    public async Task Default_sdk_client_calls_a_tool_through_an_http_upstream()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var upstream = await McpUpstreamServer.StartAsync();
        await using var gateway = await GatewayFixture.StartGatewayAsync($"""
            base_url: "{upstream.BaseUrl.ToString().TrimEnd('/')}"
            transport_mode: streamable_http
            protected_resource_metadata:
              authorization_servers: ["{idp.Issuer}"]
            """);
        var url = gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp";

        Assert.Equal("Echo: default", await EchoWithDefaultClientAsync(url, idp.Issue(url)));
    }

    [Fact]
    public async Task Default_sdk_client_calls_a_tool_through_a_stdio_upstream()
    {
        NodePeers.RequireInstalled();
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var gateway = await GatewayFixture.StartGatewayAsync($"""
            transport_mode: stdio
            stdio:
              enabled: true
              user_command: "'{NodePeers.Node}' '{NodePeers.ServerEverything}' stdio"
            protected_resource_metadata:
              authorization_servers: ["{idp.Issuer}"]
            """);
        var url = gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp";

        Assert.Equal("Echo: default", await EchoWithDefaultClientAsync(url, idp.Issue(url)));
    }
}
