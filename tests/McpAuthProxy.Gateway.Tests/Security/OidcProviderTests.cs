using System.Net;
using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Gateway.Tests.Security;

/// <summary>Tokens from a real OpenID provider (oidc-provider from npm), found by discovery from its issuer.</summary>
public sealed class OidcProviderTests : IAsyncLifetime
{
    private OidcProviderPeer _idp = null!;
    private McpUpstreamServer _upstream = null!;
    private GatewayHost _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string McpUrl => _gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp";

    public async ValueTask InitializeAsync()
    {
        _idp = await OidcProviderPeer.StartAsync();
        _upstream = await McpUpstreamServer.StartAsync();
        _gateway = await GatewayFixture.StartGatewayAsync($"""
            base_url: "{_upstream.BaseUrl.ToString().TrimEnd('/')}"
            transport_mode: streamable_http
            {GatewayFixture.ScopesYaml}
              authorization_servers: ["{_idp.Issuer}"]
            """);
    }

    [Fact]
    public async Task Access_token_from_oidc_provider_for_this_resource_calls_a_tool()
    {
        var token = await _idp.ClientCredentialsTokenAsync(McpUrl, "mcp:tools");
        await using var client = await GatewayFixture.ConnectToAsync(McpUrl, token);

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "oidc" }, cancellationToken: Ct);

        Assert.Equal("Echo: oidc", Assert.IsType<TextContentBlock>(result.Content.First()).Text);
    }

    [Fact]
    public async Task Access_token_from_oidc_provider_for_another_resource_is_rejected()
    {
        var token = await _idp.ClientCredentialsTokenAsync("http://127.0.0.1:1/other-mcp", "mcp:tools");
        using var http = new HttpClient();

        var response = await http.SendAsync(Mcp.Post(McpUrl, Mcp.Initialize, token), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", Mcp.Challenge(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Access_token_from_oidc_provider_without_the_admin_scope_cannot_call_the_admin_tool()
    {
        var token = await _idp.ClientCredentialsTokenAsync(McpUrl, "mcp:tools");
        using var http = new HttpClient();

        var response = await http.SendAsync(Mcp.Post(McpUrl, Mcp.ToolCall("admin_reset"), token), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        await _idp.DisposeAsync();
    }
}
