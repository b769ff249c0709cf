using System.Security.Claims;
using McpAuthProxy.Gateway.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Time.Testing;

namespace McpAuthProxy.Gateway.Tests.Authentication;

public sealed class TokenResultCacheTests
{
    private static readonly AuthenticateResult Passed = AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity("Bearer")), "Bearer"));
    private static readonly object Keys = new();

    [Fact]
    public void An_entry_is_served_until_its_time_and_not_after()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new TokenResultCache(time);
        cache.Add("token-a", Keys, Passed, time.GetUtcNow().AddSeconds(60));

        Assert.True(cache.TryGet("token-a", Keys, out var hit));
        Assert.Same(Passed, hit);
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.False(cache.TryGet("token-a", Keys, out _));
    }

    [Fact]
    public void An_entry_checked_against_other_keys_is_not_served()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new TokenResultCache(time);
        cache.Add("token-a", Keys, Passed, time.GetUtcNow().AddSeconds(60));

        Assert.False(cache.TryGet("token-a", new object(), out _));
        Assert.False(cache.TryGet("token-b", Keys, out _));
    }

    [Fact]
    public void An_entry_already_expired_is_not_kept()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new TokenResultCache(time);

        cache.Add("token-a", Keys, Passed, time.GetUtcNow());

        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void A_full_cache_drops_expired_entries_first_and_otherwise_keeps_nothing_new()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new TokenResultCache(time, capacity: 2);
        cache.Add("short", Keys, Passed, time.GetUtcNow().AddSeconds(5));
        cache.Add("long", Keys, Passed, time.GetUtcNow().AddSeconds(60));
        time.Advance(TimeSpan.FromSeconds(10));

        cache.Add("new", Keys, Passed, time.GetUtcNow().AddSeconds(60));
        cache.Add("one-too-many", Keys, Passed, time.GetUtcNow().AddSeconds(60));

        Assert.True(cache.TryGet("new", Keys, out _));
        Assert.True(cache.TryGet("long", Keys, out _));
        Assert.False(cache.TryGet("one-too-many", Keys, out _));
        Assert.Equal(2, cache.Count);
    }
}
