using McpAuthProxy.DevIdentity.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;

namespace McpAuthProxy.DevIdentity.Tests;

public sealed class ClientCredentialsTests
{
    [Fact]
    public async Task Client_credentials_with_basic_auth_issues_a_token_for_the_resource()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var http = new HttpClient();

        var (status, body) = await OAuthRequests.TokenAsync(http, idp,
            [new("grant_type", "client_credentials"), new("scope", "mcp:tools mcp:admin"), new("resource", OAuthRequests.Resource)],
            ("mcp-service", "mcp-service-secret"));

        Assert.Equal(200, status);
        var validation = await OAuthRequests.ValidateAccessTokenAsync(http, idp, body.GetProperty("access_token").GetString()!, OAuthRequests.Resource);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var jwt = (JsonWebToken)validation.SecurityToken;
        Assert.Equal("mcp-service", jwt.Subject);
        Assert.Equal("mcp:admin mcp:tools", string.Join(' ', OAuthRequests.Scope(jwt).Split(' ').Order(StringComparer.Ordinal)));
        Assert.False(body.TryGetProperty("refresh_token", out _));
    }

    [Fact]
    public async Task Client_credentials_with_post_auth_issues_a_token()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var http = new HttpClient();

        var (status, body) = await OAuthRequests.TokenAsync(http, idp,
        [
            new("grant_type", "client_credentials"), new("client_id", "mcp-service"), new("client_secret", "mcp-service-secret"),
            new("scope", "mcp:tools"), new("resource", OAuthRequests.Resource),
        ]);

        Assert.Equal(200, status);
        Assert.True(body.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task Client_credentials_with_a_wrong_secret_is_refused()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var http = new HttpClient();

        var (status, body) = await OAuthRequests.TokenAsync(http, idp, [new("grant_type", "client_credentials"), new("scope", "mcp:tools")], ("mcp-service", "wrong"));

        Assert.Equal(401, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Public_client_cannot_use_client_credentials()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var http = new HttpClient();

        var (status, body) = await OAuthRequests.TokenAsync(http, idp, [new("grant_type", "client_credentials"), new("client_id", "mcp-bridge")]);

        Assert.Equal(400, status);
        Assert.Contains(body.GetProperty("error").GetString(), new[] { "unauthorized_client", "invalid_client", "invalid_request" });
    }
}
