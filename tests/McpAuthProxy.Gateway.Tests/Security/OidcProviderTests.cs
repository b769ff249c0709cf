using System.Net;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Gateway.Tests.Security;

/// <summary>Tokens from a real OpenID provider (oidc-provider from npm), found by discovery from its issuer.</summary>
public sealed class OidcProviderTests : IAsyncLifetime
{
    private OidcGateway _stack = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string McpUrl => _stack.McpUrl;

    public async ValueTask InitializeAsync() => _stack = await OidcGateway.StartAsync();

    [Fact]
    public async Task Access_token_from_oidc_provider_for_this_resource_calls_a_tool()
    {
        var token = await _stack.Idp.ClientCredentialsTokenAsync(McpUrl, "mcp:tools");
        await using var client = await GatewayFixture.ConnectToAsync(McpUrl, token);

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "oidc" }, cancellationToken: Ct);

        Assert.Equal("Echo: oidc", Assert.IsType<TextContentBlock>(result.Content.First()).Text);
    }

    [Fact]
    public async Task Access_token_from_oidc_provider_for_another_resource_is_rejected()
    {
        var token = await _stack.Idp.ClientCredentialsTokenAsync("http://127.0.0.1:1/other-mcp", "mcp:tools");
        using var http = new HttpClient();

        var response = await http.SendAsync(Mcp.Post(McpUrl, Mcp.Initialize, token), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", Mcp.Challenge(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Access_token_from_oidc_provider_without_the_admin_scope_cannot_call_the_admin_tool()
    {
        var token = await _stack.Idp.ClientCredentialsTokenAsync(McpUrl, "mcp:tools");
        using var http = new HttpClient();

        var response = await http.SendAsync(Mcp.Post(McpUrl, Mcp.ToolCall("admin_reset"), token), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();
}
