using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using McpAuthProxy.Gateway.Audit;
using McpAuthProxy.Gateway.Diagnostics;
using McpAuthProxy.Telemetry.Conventions;
using McpAuthProxy.Telemetry.Propagation;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Gateway.Tests.Diagnostics;

public sealed class McpRequestTelemetryTests
{
    private const string CallerParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private const string TransportParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private static McpRequestInfo Parse(string json) => McpRequestInfo.FromMessage(JsonDocument.Parse(json).RootElement);

    [Fact]
    public void A_tool_call_span_is_named_and_attributed_as_the_mcp_conventions_say()
    {
        using var capture = new TelemetryCapture();
        var http = new DefaultHttpContext();
        http.Request.Method = "POST";
        http.Request.Protocol = "HTTP/1.1";
        http.Request.Headers["Mcp-Session-Id"] = "s-1";
        http.Request.Headers["MCP-Protocol-Version"] = "2025-06-18";
        http.Request.Headers["traceparent"] = TransportParent;
        http.Connection.RemoteIpAddress = System.Net.IPAddress.Parse("10.1.2.3");
        http.Connection.RemotePort = 50123;

        using (var operation = capture.Recorder.Start(http, Parse("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}""")))
        {
            operation.Authenticated("alice", "desktop-app");
            operation.Allowed();
            operation.Complete(200);
        }

        var span = Assert.Single(capture.SpansOf(ActivityTraceId.CreateFromString("0af7651916cd43dd8448eb211c80319c")));
        Assert.Equal("tools/call echo", span.DisplayName);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal("b7ad6b7169203331", span.ParentSpanId.ToHexString());
        Assert.Equal("tools/call", span.GetTagItem(McpAttributes.MethodName));
        Assert.Equal("echo", span.GetTagItem(McpAttributes.ToolName));
        Assert.Equal("execute_tool", span.GetTagItem(McpAttributes.OperationName));
        Assert.Equal("7", span.GetTagItem(McpAttributes.JsonRpcRequestId));
        Assert.Equal("s-1", span.GetTagItem(McpAttributes.SessionId));
        Assert.Equal("2025-06-18", span.GetTagItem(McpAttributes.ProtocolVersion));
        Assert.Equal("tcp", span.GetTagItem(McpAttributes.NetworkTransport));
        Assert.Equal("http", span.GetTagItem(McpAttributes.NetworkProtocolName));
        Assert.Equal("1.1", span.GetTagItem(McpAttributes.NetworkProtocolVersion));
        Assert.Equal("10.1.2.3", span.GetTagItem(McpAttributes.ClientAddress));
        Assert.Equal(50123, span.GetTagItem(McpAttributes.ClientPort));
        Assert.Equal("alice", span.GetTagItem(GatewayAttributes.Subject));
        Assert.Equal("desktop-app", span.GetTagItem(GatewayAttributes.ClientId));
        Assert.Equal("allowed", span.GetTagItem(GatewayAttributes.Decision));
        Assert.Null(span.GetTagItem(McpAttributes.ErrorType));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public void The_callers_meta_context_is_the_parent_and_the_transport_context_a_link()
    {
        using var capture = new TelemetryCapture();
        var request = Parse("""{"id":1,"method":"tools/list","params":{"_meta":{"traceparent":"CALLER"}}}""".Replace("CALLER", CallerParent, StringComparison.Ordinal)) with
        {
            TransportContext = McpRequestInfo.TransportContextFrom(TransportParent, null),
        };

        capture.Recorder.Start(request).Dispose();

        var span = Assert.Single(capture.SpansOf(ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736")));
        Assert.Equal("00f067aa0ba902b7", span.ParentSpanId.ToHexString());
        var link = Assert.Single(span.Links);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", link.Context.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", link.Context.SpanId.ToHexString());
    }

    [Fact]
    public void Without_a_callers_context_the_span_starts_a_new_trace_not_under_an_ambient_activity()
    {
        using var capture = new TelemetryCapture();
        using var ambient = new Activity("Microsoft.AspNetCore.Hosting.HttpRequestIn").Start();

        McpServerOperation operation;
        using (operation = capture.Recorder.Start(Parse("""{"id":1,"method":"ping"}""")))
        {
            Assert.Same(operation.Activity, Activity.Current);
        }

        Assert.NotNull(operation.Activity);
        Assert.NotEqual(ambient.TraceId, operation.Activity.TraceId);
        Assert.Equal(default, operation.Activity.ParentSpanId);
        Assert.Empty(operation.Activity.Links);
        Assert.Same(ambient, Activity.Current);
    }

    [Fact]
    public void A_refusal_is_on_the_span_in_the_decision_counter_and_in_the_duration_histogram()
    {
        using var capture = new TelemetryCapture();
        McpServerOperation operation;
        using (operation = capture.Recorder.Start(Parse("""{"id":"r","method":"tools/call","params":{"name":"admin_reset"}}""")))
        {
            operation.Authenticated("bob", null);
            operation.Refused(RefusalReasons.InsufficientScope);
            operation.Complete(403, errorCode: -32003, errorMessage: "Forbidden: missing required scope(s): mcp:admin");
            operation.Complete(403);   // the pipeline's finally
        }

        var span = operation.Activity!;
        Assert.Equal("refused", span.GetTagItem(GatewayAttributes.Decision));
        Assert.Equal("insufficient_scope", span.GetTagItem(GatewayAttributes.Reason));
        Assert.Equal("-32003", span.GetTagItem(McpAttributes.ErrorType));
        Assert.Equal("-32003", span.GetTagItem(McpAttributes.RpcResponseStatusCode));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("Forbidden: missing required scope(s): mcp:admin", span.StatusDescription);

        var decision = Assert.Single(capture.Of(GatewayMetrics.AuthorizationDecisions));
        Assert.Equal("refused", decision.Tag(GatewayAttributes.Decision));
        Assert.Equal("insufficient_scope", decision.Tag(GatewayAttributes.Reason));
        Assert.Equal("tools/call", decision.Tag(McpAttributes.MethodName));

        var duration = Assert.Single(capture.Of(McpMetrics.ServerOperationDuration));
        Assert.Equal("-32003", duration.Tag(McpAttributes.ErrorType));
        // A refused caller's tool name never becomes an attribute value.
        Assert.False(duration.Has(McpAttributes.ToolName));
    }

    [Fact]
    public void An_allowed_calls_duration_carries_method_tool_and_version_and_uses_the_conventions_buckets()
    {
        using var capture = new TelemetryCapture();
        var operation = capture.Recorder.Start(Parse("""{"id":1,"method":"tools/call","params":{"name":"echo"}}""") with { ProtocolVersion = "2025-11-25" });
        operation.Allowed();
        capture.Clock.Advance(TimeSpan.FromMilliseconds(1500));
        operation.Complete(200);
        operation.Dispose();

        var duration = Assert.Single(capture.Of(McpMetrics.ServerOperationDuration));
        Assert.Equal(1.5, duration.Value, 6);
        Assert.Equal("tools/call", duration.Tag(McpAttributes.MethodName));
        Assert.Equal("echo", duration.Tag(McpAttributes.ToolName));
        Assert.Equal("2025-11-25", duration.Tag(McpAttributes.ProtocolVersion));
        Assert.Equal("tcp", duration.Tag(McpAttributes.NetworkTransport));
        Assert.Equal("s", duration.Instrument.Unit);
        var histogram = Assert.IsType<Histogram<double>>(duration.Instrument);
        Assert.Equal(McpMetrics.DurationBuckets, histogram.Advice!.HistogramBucketBoundaries);
        Assert.Equal("allowed", Assert.Single(capture.Of(GatewayMetrics.AuthorizationDecisions)).Tag(GatewayAttributes.Decision));
    }

    [Fact]
    public void Invented_method_names_reach_metrics_as_other()
    {
        using var capture = new TelemetryCapture();
        for (var i = 0; i < 5; i++)
        {
            using var operation = capture.Recorder.Start(Parse($$"""{"id":{{i}},"method":"x/{{i}}"}"""));
            operation.Allowed();
        }

        Assert.All(capture.Of(McpMetrics.ServerOperationDuration), m => Assert.Equal("_OTHER", m.Tag(McpAttributes.MethodName)));
        Assert.All(capture.Of(GatewayMetrics.AuthorizationDecisions), m => Assert.Equal("_OTHER", m.Tag(McpAttributes.MethodName)));
    }

    [Fact]
    public void The_upstream_call_is_a_client_child_span_and_its_context_goes_into_headers_and_meta()
    {
        using var capture = new TelemetryCapture();
        using var operation = capture.Recorder.Start(Parse("""{"id":1,"method":"tools/call","params":{"name":"echo","_meta":{"traceparent":"CALLER"}}}""".Replace("CALLER", CallerParent, StringComparison.Ordinal)));
        operation.Allowed();
        using var request = new HttpRequestMessage();
        byte[] message;
        Activity call;
        using (var upstream = operation.StartUpstream(UpstreamTarget.ForHttp(new Uri("http://127.0.0.1:8123/mcp"))))
        {
            call = upstream.Activity!;
            Assert.Same(call, Activity.Current);
            upstream.InjectInto(request.Headers);
            message = upstream.InjectInto("""{"id":1,"method":"tools/call","params":{"name":"echo","_meta":{"traceparent":"x"}}}"""u8);
        }

        Assert.Same(operation.Activity, Activity.Current);
        Assert.Equal(ActivityKind.Client, call.Kind);
        Assert.Equal("tools/call echo", call.DisplayName);
        Assert.Equal(operation.Activity!.SpanId, call.ParentSpanId);
        Assert.Equal("127.0.0.1", call.GetTagItem(McpAttributes.ServerAddress));
        Assert.Equal(8123, call.GetTagItem(McpAttributes.ServerPort));
        var expected = W3CTraceContext.Format(call.Context);
        Assert.Equal(expected, Assert.Single(request.Headers.GetValues("traceparent")));
        Assert.True(JsonRpcTraceContext.TryExtract(JsonDocument.Parse(message).RootElement, out var injected));
        Assert.Equal(call.SpanId, injected.SpanId);
        Assert.Equal(call.TraceId, injected.TraceId);
    }

    [Fact]
    public void A_failed_upstream_call_is_counted_and_marks_its_span()
    {
        using var capture = new TelemetryCapture();
        using var operation = capture.Recorder.Start(Parse("""{"id":1,"method":"tools/list"}"""));
        Activity call;
        using (var upstream = operation.StartUpstream(UpstreamTarget.ForStdio("/usr/bin/node")))
        {
            call = upstream.Activity!;
            upstream.Failed("process_exited", "the server exited with code 1");
        }

        Assert.Equal("pipe", call.GetTagItem(McpAttributes.NetworkTransport));
        Assert.Equal(ActivityStatusCode.Error, call.Status);
        var error = Assert.Single(capture.Of(GatewayMetrics.UpstreamErrors));
        Assert.Equal("stdio", error.Tag(GatewayAttributes.UpstreamKind));
        Assert.Equal("process_exited", error.Tag(McpAttributes.ErrorType));
    }

    [Fact]
    public void Without_a_span_the_message_goes_upstream_as_it_came()
    {
        using var capture = new TelemetryCapture();
        var call = new McpUpstreamCall(null, UpstreamTarget.Http, capture.Metrics);
        var message = """{"id":1,"method":"ping","params":{"_meta":{"traceparent":"theirs"}}}"""u8.ToArray();

        Assert.Equal(message, call.InjectInto(message.AsSpan()));
        Assert.True(call.InjectInto(message.AsMemory()).Span.SequenceEqual(message));
    }

    [Fact]
    public void The_operation_writes_one_audit_record_with_what_happened()
    {
        var audit = new CapturingAuditLog(new AuditOptions { Path = "-", IncludeArguments = true, IncludeResults = true });
        using var capture = new TelemetryCapture(audit);
        using (var operation = capture.Recorder.Start(Parse("""{"id":9,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}""") with
        {
            SessionId = "s-9",
            ClientAddress = "10.0.0.9",
        }))
        {
            operation.Authenticated("alice", "cursor");
            operation.Allowed();
            using (operation.StartUpstream(UpstreamTarget.ForHttp(new Uri("http://upstream:9000/mcp?x=1"))))
            {
            }

            operation.ResultSeen(JsonDocument.Parse("""{"content":[{"type":"text","text":"hi"}]}""").RootElement);
            capture.Clock.Advance(TimeSpan.FromMilliseconds(12.5));
            operation.Complete(200);
        }

        var record = Assert.Single(audit.Records);
        Assert.Equal(capture.Clock.Start, record.Time);
        Assert.Equal("alice", record.Subject);
        Assert.Equal("cursor", record.ClientId);
        Assert.Equal("s-9", record.Session);
        Assert.Equal("tools/call", record.Method);
        Assert.Equal("9", record.RequestId);
        Assert.Equal("echo", record.Tool);
        Assert.Equal("allowed", record.Decision);
        Assert.Null(record.Reason);
        Assert.Equal(200, record.Status);
        Assert.Equal(12.5, record.DurationMs);
        Assert.Equal("http://upstream:9000/mcp", record.Upstream);
        Assert.Equal("10.0.0.9", record.ClientAddress);
        Assert.Equal("hi", record.Arguments!.Value.GetProperty("text").GetString());
        Assert.Equal("hi", record.Result!.Value.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void Arguments_and_results_stay_out_of_the_audit_record_unless_asked_for()
    {
        var audit = new CapturingAuditLog(new AuditOptions { Path = "-" });
        using var capture = new TelemetryCapture(audit);
        using (var operation = capture.Recorder.Start(Parse("""{"id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"secret"}}}""")))
        {
            operation.Refused(RefusalReasons.MissingToken);
            operation.ResultSeen(JsonDocument.Parse("{}").RootElement);
            operation.Complete(401, -32001, "Unauthorized");
        }

        var record = Assert.Single(audit.Records);
        Assert.Null(record.Arguments);
        Assert.Null(record.Result);
        Assert.Equal("refused", record.Decision);
        Assert.Equal("missing_token", record.Reason);
        Assert.Equal(-32001, record.ErrorCode);
        Assert.Null(record.Upstream);
    }

    private sealed class CapturingAuditLog(AuditOptions options) : IAuditLog
    {
        public List<AuditRecord> Records { get; } = [];

        public bool Enabled => true;

        public AuditOptions Options => options;

        public void Write(AuditRecord record) => Records.Add(record);
    }
}
