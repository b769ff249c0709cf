using McpAuthProxy.Gateway.Transport;
using Microsoft.Extensions.Time.Testing;

namespace McpAuthProxy.Gateway.Tests.Transport;

public sealed class SessionBindingsTests
{
    [Fact]
    public void Session_minted_for_one_owner_is_refused_to_another()
    {
        var bindings = new SessionBindings(new FakeTimeProvider());
        bindings.Bind("s1", "iss|alice");

        Assert.True(bindings.TryUse("s1", "iss|alice"));
        Assert.False(bindings.TryUse("s1", "iss|bob"));
    }

    [Fact]
    public void Unknown_session_is_bound_to_its_first_presenter()
    {
        var bindings = new SessionBindings(new FakeTimeProvider());

        Assert.True(bindings.TryUse("s2", "iss|alice"));
        Assert.False(bindings.TryUse("s2", "iss|bob"));
    }

    [Fact]
    public void Forgotten_session_can_be_bound_again()
    {
        var bindings = new SessionBindings(new FakeTimeProvider());
        bindings.Bind("s3", "iss|alice");

        bindings.Forget("s3");

        Assert.True(bindings.TryUse("s3", "iss|bob"));
    }

    [Fact]
    public void Full_table_drops_bindings_idle_for_an_hour_to_make_room()
    {
        var clock = new FakeTimeProvider();
        var bindings = new SessionBindings(clock);
        for (var i = 0; i < SessionBindings.Capacity; i++)
        {
            bindings.Bind($"old-{i}", "iss|alice");
        }

        clock.Advance(TimeSpan.FromHours(2));
        bindings.Bind("fresh", "iss|bob");

        Assert.Equal(1, bindings.Count);
        Assert.False(bindings.TryUse("fresh", "iss|alice"));
    }
}
