using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using McpAuthProxy.Bridge.Diagnostics;
using McpAuthProxy.Telemetry.Conventions;
using McpAuthProxy.Telemetry.Propagation;

namespace McpAuthProxy.Bridge.Tests.Diagnostics;

public sealed class McpClientOperationTests : IDisposable
{
    private static readonly Uri Server = new("https://mcp.example.com:8443/mcp");
    private readonly BridgeTelemetry _telemetry = new();
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();
    private readonly ConcurrentBag<Activity> _spans = [];
    private readonly ConcurrentBag<(Instrument Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = [];

    public McpClientOperationTests()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == BridgeTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Add,
        };
        ActivitySource.AddActivityListener(_activities);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == _telemetry.Meter)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<double>((i, v, t, _) => _measurements.Add((i, v, t.ToArray())));
        _meters.Start();
    }

    [Fact]
    public void A_tool_call_continues_the_desktop_clients_context_and_sends_its_own_on()
    {
        var parameters = new JsonObject
        {
            ["name"] = "echo",
            ["_meta"] = new JsonObject { ["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", ["progressToken"] = 3 },
        };
        using var request = new HttpRequestMessage();

        Activity span;
        using (var operation = McpClientOperation.Start(_telemetry, "tools/call", parameters, "5", Server, "s-1", "2025-06-18"))
        {
            span = operation.Activity!;
            operation.InjectInto(parameters);
            operation.InjectInto(request.Headers);
        }

        Assert.Equal("tools/call echo", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", span.TraceId.ToHexString());
        Assert.Equal("00f067aa0ba902b7", span.ParentSpanId.ToHexString());
        Assert.Equal("echo", span.GetTagItem(McpAttributes.ToolName));
        Assert.Equal("mcp.example.com", span.GetTagItem(McpAttributes.ServerAddress));
        Assert.Equal(8443, span.GetTagItem(McpAttributes.ServerPort));
        Assert.Equal("5", span.GetTagItem(McpAttributes.JsonRpcRequestId));
        Assert.True(JsonRpcTraceContext.TryExtractFromParams(parameters, out var sent));
        Assert.Equal(span.SpanId, sent.SpanId);
        Assert.Equal(3, (int)parameters["_meta"]!["progressToken"]!);
        Assert.Equal(W3CTraceContext.Format(span.Context), Assert.Single(request.Headers.GetValues("traceparent")));
    }

    [Fact]
    public void An_error_answer_marks_the_span_and_the_client_duration()
    {
        Activity span;
        using (var operation = McpClientOperation.Start(_telemetry, "tools/call", new JsonObject { ["name"] = "admin_reset" }, "1", Server))
        {
            span = operation.Activity!;
            operation.Error(-32003, "Forbidden");
        }

        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("-32003", span.GetTagItem(McpAttributes.ErrorType));
        var duration = Assert.Single(_measurements, m => m.Instrument.Name == McpMetrics.ClientOperationDuration);
        Assert.Contains(new KeyValuePair<string, object?>(McpAttributes.ErrorType, "-32003"), duration.Tags);
        Assert.Contains(new KeyValuePair<string, object?>(McpAttributes.ToolName, "admin_reset"), duration.Tags);
        Assert.Equal(McpMetrics.DurationBuckets, ((Histogram<double>)duration.Instrument).Advice!.HistogramBucketBoundaries);
    }

    [Fact]
    public void A_session_records_the_client_session_duration()
    {
        var started = _telemetry.SessionStarted();
        _telemetry.SessionEnded(started, Server, "2025-11-25");

        var session = Assert.Single(_measurements, m => m.Instrument.Name == McpMetrics.ClientSessionDuration);
        Assert.Contains(new KeyValuePair<string, object?>(McpAttributes.ProtocolVersion, "2025-11-25"), session.Tags);
    }

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
        _telemetry.Dispose();
    }
}
