using System.Net;
using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Gateway.Tests.Security;

/// <summary>Opaque access tokens from oidc-provider, checked by RFC 7662 introspection.</summary>
public sealed class IntrospectionTests : IAsyncLifetime
{
    private OidcProviderPeer _idp = null!;
    private McpUpstreamServer _upstream = null!;
    private GatewayHost _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string McpUrl => _gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp";

    public async ValueTask InitializeAsync()
    {
        _idp = await OidcProviderPeer.StartAsync(accessTokenFormat: "opaque");
        _upstream = await McpUpstreamServer.StartAsync();
        _gateway = await GatewayFixture.StartGatewayAsync($"""
            base_url: "{_upstream.BaseUrl.ToString().TrimEnd('/')}"
            transport_mode: streamable_http
            token_validation:
              introspection:
                endpoint: "{_idp.Issuer}/token/introspection"
                client_id: mcp-confidential
                client_secret: test-secret
            {GatewayFixture.ScopesYaml}
              authorization_servers: ["{_idp.Issuer}"]
            """);
    }

    [Fact]
    public async Task Opaque_token_that_introspects_active_for_this_resource_calls_a_tool()
    {
        var token = await _idp.ClientCredentialsTokenAsync(McpUrl, "mcp:tools");
        Assert.True(McpAuthProxy.Gateway.Authentication.OpaqueTokenIntrospector.IsOpaque(token));
        await using var client = await GatewayFixture.ConnectToAsync(McpUrl, token);

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "opaque" }, cancellationToken: Ct);

        Assert.Equal("Echo: opaque", Assert.IsType<TextContentBlock>(result.Content.First()).Text);
    }

    [Fact]
    public async Task Opaque_token_for_another_resource_is_rejected()
    {
        var token = await _idp.ClientCredentialsTokenAsync("http://127.0.0.1:1/other", "mcp:tools");
        using var http = new HttpClient();

        var response = await http.SendAsync(Mcp.Post(McpUrl, Mcp.Initialize, token), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", Mcp.Challenge(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_opaque_token_is_rejected()
    {
        using var http = new HttpClient();

        var response = await http.SendAsync(Mcp.Post(McpUrl, Mcp.Initialize, "made-up-opaque-token"), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Opaque_token_scopes_are_enforced_per_tool()
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
