using McpAuthProxy.DevIdentity.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;

namespace McpAuthProxy.DevIdentity.Tests;

public sealed class RefreshTokenTests
{
    [Fact]
    public async Task Refresh_issues_a_new_refresh_token_and_refuses_the_used_one()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        var first = await Flows.SignInAsync(http, idp);
        var used = first.GetProperty("refresh_token").GetString()!;

        var (status, second) = await Flows.RefreshAsync(http, idp, used);
        var (replayStatus, replay) = await Flows.RefreshAsync(http, idp, used);

        Assert.Equal(200, status);
        Assert.NotEqual(used, second.GetProperty("refresh_token").GetString());
        Assert.Equal(400, replayStatus);
        Assert.Equal("invalid_grant", replay.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Refreshed_access_token_keeps_the_resource_audience_and_scopes()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        var first = await Flows.SignInAsync(http, idp);

        var (_, second) = await Flows.RefreshAsync(http, idp, first.GetProperty("refresh_token").GetString()!);

        var validation = await OAuthRequests.ValidateAccessTokenAsync(http, idp, second.GetProperty("access_token").GetString()!, OAuthRequests.Resource);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal("mcp:tools offline_access openid", string.Join(' ', OAuthRequests.Scope((JsonWebToken)validation.SecurityToken).Split(' ').Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task Revoking_the_user_makes_refresh_fail_with_invalid_grant()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        var tokens = await Flows.SignInAsync(http, idp);

        var revoked = await idp.RevokeUserAsync("demo", TestContext.Current.CancellationToken);
        var (status, body) = await Flows.RefreshAsync(http, idp, tokens.GetProperty("refresh_token").GetString()!);

        Assert.True(revoked > 0);
        Assert.Equal(400, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Access_token_lifetime_follows_the_option()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true, AccessTokenLifetime = TimeSpan.FromSeconds(5) }, TestContext.Current.CancellationToken);
        using var http = new HttpClient();

        var tokens = await Flows.SignInAsync(http, idp);

        var jwt = new JsonWebToken(tokens.GetProperty("access_token").GetString()!);
        Assert.InRange(tokens.GetProperty("expires_in").GetInt32(), 4, 5); // seconds left when the response was written
        Assert.Equal(TimeSpan.FromSeconds(5), jwt.ValidTo - jwt.IssuedAt);
    }

    [Fact]
    public async Task Without_offline_access_no_refresh_token_is_issued()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);
        using var http = new HttpClient();

        var tokens = await Flows.SignInAsync(http, idp, scope: "mcp:tools");

        Assert.False(tokens.TryGetProperty("refresh_token", out _));
        Assert.True(tokens.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task Refresh_naming_the_same_resource_keeps_the_audience()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        var first = await Flows.SignInAsync(http, idp);

        var (status, second) = await OAuthRequests.TokenAsync(http, idp,
        [
            new("grant_type", "refresh_token"), new("refresh_token", first.GetProperty("refresh_token").GetString()!),
            new("client_id", "mcp-bridge"), new("resource", OAuthRequests.Resource),
        ]);

        Assert.True(status == 200, second.ToString());
        var validation = await OAuthRequests.ValidateAccessTokenAsync(http, idp, second.GetProperty("access_token").GetString()!, OAuthRequests.Resource);
        Assert.True(validation.IsValid, validation.Exception?.Message);
    }

    [Fact]
    public async Task Refresh_naming_another_resource_is_refused()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        var first = await Flows.SignInAsync(http, idp);

        var (status, body) = await OAuthRequests.TokenAsync(http, idp,
        [
            new("grant_type", "refresh_token"), new("refresh_token", first.GetProperty("refresh_token").GetString()!),
            new("client_id", "mcp-bridge"), new("resource", "http://127.0.0.1:10/elsewhere"),
        ]);

        Assert.Equal(400, status);
        Assert.Equal("invalid_target", body.GetProperty("error").GetString());
    }
}
