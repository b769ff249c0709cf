using McpAuthProxy.Telemetry.Conventions;

namespace McpAuthProxy.Telemetry.Tests.Conventions;

public sealed class McpMethodsTests
{
    [Theory]
    [InlineData("tools/call", "echo", false, "tools/call echo")]
    [InlineData("prompts/get", "review", false, "prompts/get review")]
    [InlineData("resources/read", "file:///a", false, "resources/read")]
    [InlineData("resources/read", "file:///a", true, "resources/read file:///a")]
    [InlineData("tools/list", "ignored", false, "tools/list")]
    [InlineData("tools/call", null, false, "tools/call")]
    public void Span_names_follow_the_conventions(string method, string? name, bool resourceUri, string expected) =>
        Assert.Equal(expected, McpMethods.SpanName(method, name, resourceUri));

    [Fact]
    public void Metrics_see_known_methods_and_versions_and_other_for_the_rest()
    {
        Assert.Equal("tools/call", McpMethods.ForMetrics("tools/call"));
        Assert.Equal("_OTHER", McpMethods.ForMetrics("tools/call2"));
        Assert.Equal("_OTHER", McpMethods.ForMetrics("TOOLS/CALL"));
        Assert.Equal("_OTHER", McpMethods.ForMetrics(null));
        Assert.Equal("2025-06-18", McpMethods.VersionForMetrics("2025-06-18"));
        Assert.Equal("_OTHER", McpMethods.VersionForMetrics("2099-01-01"));
        Assert.Null(McpMethods.VersionForMetrics(null));
    }

    [Fact]
    public void Bounded_values_admit_the_first_ones_and_map_later_ones_to_other()
    {
        var values = new BoundedTagValues(capacity: 3);

        Assert.Equal("a", values.Admit("a"));
        Assert.Equal("b", values.Admit("b"));
        Assert.Equal("c", values.Admit("c"));
        Assert.Equal("_OTHER", values.Admit("d"));
        Assert.Equal("a", values.Admit("a"));
        Assert.Equal("_OTHER", values.Admit(new string('x', 200)));
        Assert.Null(values.Admit(null));
        Parallel.For(0, 10_000, i => Assert.Equal("_OTHER", values.Admit("n" + i)));
        Assert.Equal("b", values.Admit("b"));
    }

    [Fact]
    public void Duration_buckets_are_the_conventions_boundaries() =>
        Assert.Equal([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300], McpMetrics.DurationBuckets);
}
