using McpAuthProxy.OAuth.Tokens;

namespace McpAuthProxy.OAuth.Tests.Tokens;

public sealed class CachedTokenTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Token_within_60_seconds_of_expiry_is_stale() =>
        Assert.False(new CachedToken { AccessToken = "a", ExpiresAt = Now.AddSeconds(59) }.IsFresh(Now));

    [Fact]
    public void Token_with_unknown_expiry_counts_as_fresh() =>
        Assert.True(new CachedToken { AccessToken = "a" }.IsFresh(Now));

    [Fact]
    public void Token_for_another_client_does_not_serve() =>
        Assert.False(new CachedToken { AccessToken = "a", ClientId = "x", RequestedScopes = "openid" }.Serves("y", ["openid"], null));

    [Fact]
    public void Token_for_fewer_scopes_does_not_serve() =>
        Assert.False(new CachedToken { AccessToken = "a", ClientId = "x", RequestedScopes = "openid" }.Serves("x", ["openid", "email"], null));

    [Fact]
    public void Token_for_more_scopes_serves() =>
        Assert.True(new CachedToken { AccessToken = "a", ClientId = "x", RequestedScopes = "openid email mcp" }.Serves("x", ["openid", "email"], null));

    [Fact]
    public void Legacy_token_serves_whatever_its_granted_scope() =>
        Assert.True(new CachedToken { AccessToken = "a", Scope = "openid" }.Serves("x", ["openid", "email"], null));

    [Fact]
    public void Openid_always_comes_first() =>
        Assert.Equal(["openid", "profile", "mcp"], ScopeList.WithOpenIdFirst(ScopeList.Parse("profile  mcp openid")));
}
