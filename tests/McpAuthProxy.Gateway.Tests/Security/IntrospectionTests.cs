using System.Net;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Gateway.Tests.Security;

/// <summary>Opaque access tokens from oidc-provider, checked by RFC 7662 introspection.</summary>
public sealed class IntrospectionTests : IAsyncLifetime
{
    private OidcGateway _stack = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string McpUrl => _stack.McpUrl;

    public async ValueTask InitializeAsync() => _stack = await OidcGateway.StartAsync(accessTokenFormat: "opaque", configYaml: issuer => $"""
        token_validation:
          introspection:
            endpoint: "{issuer}/token/introspection"
            client_id: mcp-confidential
            client_secret: test-secret
        """);

    [Fact]
    public async Task Opaque_token_that_introspects_active_for_this_resource_calls_a_tool()
    {
        var token = await _stack.Idp.ClientCredentialsTokenAsync(McpUrl, "mcp:tools");
        Assert.True(McpAuthProxy.Gateway.Authentication.OpaqueTokenIntrospector.IsOpaque(token));
        await using var client = await GatewayFixture.ConnectToAsync(McpUrl, token);

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "opaque" }, cancellationToken: Ct);

        Assert.Equal("Echo: opaque", Assert.IsType<TextContentBlock>(result.Content.First()).Text);
    }

    [Fact]
    public async Task Opaque_token_for_another_resource_is_rejected()
    {
        var token = await _stack.Idp.ClientCredentialsTokenAsync("http://127.0.0.1:1/other", "mcp:tools");
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
        var token = await _stack.Idp.ClientCredentialsTokenAsync(McpUrl, "mcp:tools");
        using var http = new HttpClient();

        var response = await http.SendAsync(Mcp.Post(McpUrl, Mcp.ToolCall("admin_reset"), token), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();
}
