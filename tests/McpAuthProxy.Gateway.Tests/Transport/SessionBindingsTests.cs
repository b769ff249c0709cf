using McpAuthProxy.Gateway.Transport;
using Microsoft.Extensions.Time.Testing;

namespace McpAuthProxy.Gateway.Tests.Transport;

public sealed class SessionBindingsTests
{
    [Fact]
    public void Session_minted_for_one_owner_is_refused_to_another()
    {
        var bindings = new SessionBindings(new FakeTimeProvider());
        Assert.True(bindings.Bind("s1", "iss|alice"));

        Assert.Equal(SessionOwnership.Owner, bindings.Check("s1", "iss|alice"));
        Assert.Equal(SessionOwnership.Other, bindings.Check("s1", "iss|bob"));
        Assert.False(bindings.Bind("s1", "iss|bob"));
    }

    [Fact]
    public void An_unknown_session_presented_is_not_stored()
    {
        var bindings = new SessionBindings(new FakeTimeProvider());

        Assert.Equal(SessionOwnership.Unknown, bindings.Check("s2", "iss|alice"));
        Assert.Equal(0, bindings.Count);
    }

    [Fact]
    public void Forgotten_session_can_be_bound_again()
    {
        var bindings = new SessionBindings(new FakeTimeProvider());
        bindings.Bind("s3", "iss|alice");

        bindings.Forget("s3");

        Assert.True(bindings.Bind("s3", "iss|bob"));
        Assert.Equal(SessionOwnership.Owner, bindings.Check("s3", "iss|bob"));
    }

    [Fact]
    public void One_owner_cannot_hold_more_than_its_share_while_others_still_can()
    {
        var bindings = new SessionBindings(new FakeTimeProvider(), perOwner: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(bindings.Bind($"a-{i}", "iss|alice"));
        }

        Assert.False(bindings.HasRoomFor("iss|alice"));
        Assert.False(bindings.Bind("a-3", "iss|alice"));
        Assert.True(bindings.Bind("b-0", "iss|bob"));
        bindings.Forget("a-0");
        Assert.True(bindings.Bind("a-3", "iss|alice"));
    }

    [Fact]
    public void Full_table_drops_bindings_idle_for_an_hour_to_make_room()
    {
        var clock = new FakeTimeProvider();
        var bindings = new SessionBindings(clock, perOwner: SessionBindings.Capacity);
        for (var i = 0; i < SessionBindings.Capacity; i++)
        {
            bindings.Bind($"old-{i}", "iss|alice");
        }

        Assert.False(bindings.HasRoomFor("iss|bob"));
        clock.Advance(TimeSpan.FromHours(2));
        Assert.True(bindings.Bind("fresh", "iss|bob"));

        Assert.Equal(1, bindings.Count);
        Assert.Equal(SessionOwnership.Other, bindings.Check("fresh", "iss|alice"));
    }
}
