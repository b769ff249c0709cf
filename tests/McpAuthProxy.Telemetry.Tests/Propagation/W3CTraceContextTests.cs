using System.Diagnostics;
using McpAuthProxy.Telemetry.Propagation;

namespace McpAuthProxy.Telemetry.Tests.Propagation;

public sealed class W3CTraceContextTests
{
    [Fact]
    public void A_valid_traceparent_parses_as_a_remote_context_and_formats_back()
    {
        Assert.True(W3CTraceContext.TryParse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "a=1", out var context));

        Assert.True(context.IsRemote);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", context.TraceId.ToHexString());
        Assert.Equal("a=1", context.TraceState);
        Assert.Equal("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", W3CTraceContext.Format(context));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")]
    [InlineData("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7")]
    public void A_missing_or_malformed_traceparent_is_ignored(string? traceParent) =>
        Assert.False(W3CTraceContext.TryParse(traceParent, null, out _));

    [Fact]
    public void An_oversized_tracestate_is_dropped_but_the_parent_kept()
    {
        Assert.True(W3CTraceContext.TryParse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", new string('a', 5000), out var context));

        Assert.Null(context.TraceState);
        Assert.Equal(ActivityTraceFlags.None, context.TraceFlags);
    }

    [Fact]
    public void Injecting_into_headers_replaces_what_was_there()
    {
        using var request = new HttpRequestMessage();
        request.Headers.TryAddWithoutValidation("traceparent", "00-11111111111111111111111111111111-2222222222222222-01");
        request.Headers.TryAddWithoutValidation("tracestate", "old=1");
        var context = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

        W3CTraceContext.Inject(request.Headers, context);

        Assert.Equal(W3CTraceContext.Format(context), Assert.Single(request.Headers.GetValues("traceparent")));
        Assert.False(request.Headers.Contains("tracestate"));
    }
}
