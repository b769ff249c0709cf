using System.Net;
using McpAuthProxy.Gateway.AuthorizationProxy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace McpAuthProxy.Gateway.Tests.Security.Limits;

/// <summary>The per-party bounds themselves: who a party is, and that a store keeps room for the others.</summary>
public sealed class PartyBoundTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void A_party_is_an_IPv4_address_or_an_IPv6_64(string address, string party)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);

        Assert.Equal(party, AddressRateLimit.PartyOf(context));
    }

    [Fact]
    public void A_store_refuses_a_party_beyond_its_share_and_keeps_room_for_others()
    {
        var clock = new FakeTimeProvider();
        var store = new ExpiringStore<int>(TimeSpan.FromMinutes(10), clock, capacity: 100, perParty: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(store.TryAdd($"m{i}", i, "mallory"));
        }

        Assert.False(store.TryAdd("m3", 3, "mallory"));
        Assert.True(store.TryAdd("a0", 0, "alice"));
        Assert.True(store.TryTake("m0", out _));
        Assert.True(store.TryAdd("m3", 3, "mallory"));
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.True(store.TryAdd("m4", 4, "mallory"));
    }
}
