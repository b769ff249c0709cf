using System.Net;
using System.Text;
using System.Text.Json;
using McpAuthProxy.Gateway.Diagnostics;
using McpAuthProxy.Telemetry.Export;
using McpAuthProxy.Telemetry.Propagation;
using McpAuthProxy.Testing.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace McpAuthProxy.Gateway.Tests.Diagnostics;

/// <summary>
/// The export path with real receivers: a small Kestrel app records MCP requests with the gateway's telemetry; a real
/// Prometheus scrapes its diagnostics listener and a real OTLP/HTTP receiver gets its spans.
/// </summary>
public sealed class TelemetryExportTests
{
    private const string CallerTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string CallerSpanId = "00f067aa0ba902b7";

    /// <summary>An MCP endpoint in miniature: admin_reset is refused, every other call allowed and "forwarded" (echoed).</summary>
    private static async Task<WebApplication> StartAppAsync(Uri otlp, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp.AbsoluteUri, ["OTEL_METRICS_EXPORTER"] = "none" };
        var errors = new List<string>();
        var settings = OtlpExportSettings.Read(n => environment.GetValueOrDefault(n), errors);
        Assert.Empty(errors);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddMcpGatewayTelemetry(new GatewayTelemetryOptions
        {
            Otlp = settings,
            Diagnostics = new DiagnosticsOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) },
            ServiceName = "telemetry-export-test",
        });
        var app = builder.Build();
        var telemetry = app.Services.GetRequiredService<McpRequestTelemetry>();
        app.MapPost("/mcp", async (HttpContext context) =>
        {
            var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var bytes = body.ToArray();
            using var operation = telemetry.Start(context, McpRequestInfo.FromMessage(JsonDocument.Parse(bytes).RootElement));
            operation.Authenticated("alice", "cursor");
            if (operation.Request.ToolName == "admin_reset_export")
            {
                operation.Refused(RefusalReasons.InsufficientScope);
                operation.Complete(403, -32003, "Forbidden: missing required scope(s): mcp:admin");
                return Results.StatusCode(403);
            }

            operation.Allowed();
            byte[] forwarded;
            using (var upstream = operation.StartUpstream(UpstreamTarget.ForHttp(new Uri("http://upstream.example:9000/mcp"))))
            {
                forwarded = upstream.InjectInto(bytes.AsSpan());
            }

            operation.Complete(200);
            return Results.Bytes(forwarded, "application/json");
        });
        await app.StartAsync(cancellationToken);
        return app;
    }

    private static string Call(string tool, int id) =>
        """{"jsonrpc":"2.0","id":ID,"method":"tools/call","params":{"name":"TOOL","arguments":{}}}"""
            .Replace("ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal).Replace("TOOL", tool, StringComparison.Ordinal);

    [Fact]
    public async Task Prometheus_reads_the_counters_and_the_otlp_receiver_gets_the_spans_of_known_calls()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await OtlpReceiver.StartAsync(ct);
        await using var app = await StartAppAsync(receiver.Endpoint, ct);
        var diagnostics = app.Services.GetRequiredService<DiagnosticsServer>().Address!;
        await using var prometheus = await Prometheus.StartAsync([new Uri(diagnostics, "/metrics")], ct);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        // 3 allowed calls (the first continues the caller's trace from its traceparent header), 2 refused.
        using var traced = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(Call("echo", 1), Encoding.UTF8, "application/json") };
        traced.Headers.TryAddWithoutValidation("traceparent", $"00-{CallerTraceId}-{CallerSpanId}-01");
        traced.Headers.TryAddWithoutValidation("Mcp-Session-Id", "session-1");
        using var tracedResponse = await http.SendAsync(traced, ct);
        Assert.Equal(HttpStatusCode.OK, tracedResponse.StatusCode);
        var forwarded = JsonDocument.Parse(await tracedResponse.Content.ReadAsStringAsync(ct)).RootElement;
        foreach (var (tool, id) in new[] { ("echo", 2), ("add", 3), ("admin_reset_export", 4), ("admin_reset_export", 5) })
        {
            using var response = await http.PostAsync("/mcp", new StringContent(Call(tool, id), Encoding.UTF8, "application/json"), ct);
            Assert.Equal(tool == "admin_reset_export" ? HttpStatusCode.Forbidden : HttpStatusCode.OK, response.StatusCode);
        }

        // Prometheus scraped the diagnostics listener and has exactly the decisions made.
        Assert.Equal(2, await prometheus.WaitForValueAsync(
            """sum(mcp_auth_proxy_gateway_authorization_decisions_total{mcp_auth_proxy_decision="refused",mcp_auth_proxy_reason="insufficient_scope"})""", v => v >= 2, ct));
        Assert.Equal(3, await prometheus.WaitForValueAsync(
            """sum(mcp_auth_proxy_gateway_authorization_decisions_total{mcp_auth_proxy_decision="allowed",mcp_method_name="tools/call"})""", v => v >= 3, ct));
        Assert.Equal(5, await prometheus.WaitForValueAsync(
            """sum(mcp_server_operation_duration_seconds_count{mcp_method_name="tools/call"})""", v => v >= 5, ct));
        var refusedDurations = await prometheus.QueryAsync("""mcp_server_operation_duration_seconds_count{error_type="-32003"}""", ct);
        Assert.Equal(2, Assert.Single(refusedDurations).Value);
        Assert.False(refusedDurations[0].Labels.ContainsKey("gen_ai_tool_name"));
        Assert.Equal("telemetry-export-test", Assert.Single(await prometheus.QueryAsync("target_info", ct)).Labels["service_name"]);

        // The spans went out over OTLP/HTTP protobuf: the server span continues the caller's trace, the upstream call is its child.
        app.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000);
        var server = await receiver.WaitForSpanAsync(s => s.TraceId == CallerTraceId && s.Kind == "Server", ct);
        Assert.Equal("tools/call echo", server.Name);
        Assert.Equal(CallerSpanId, server.ParentSpanId);
        Assert.Equal("telemetry-export-test", server.ServiceName);
        Assert.Equal("McpAuthProxy.Gateway", server.ScopeName);
        Assert.Equal("tools/call", server["mcp.method.name"]);
        Assert.Equal("echo", server["gen_ai.tool.name"]);
        Assert.Equal("1", server["jsonrpc.request.id"]);
        Assert.Equal("session-1", server["mcp.session.id"]);
        Assert.Equal("tcp", server["network.transport"]);
        Assert.Equal("127.0.0.1", server["client.address"]);
        Assert.Equal("alice", server["enduser.id"]);
        Assert.Equal("cursor", server["mcp_auth_proxy.client_id"]);
        Assert.Equal("allowed", server["mcp_auth_proxy.decision"]);
        var upstream = await receiver.WaitForSpanAsync(s => s.TraceId == CallerTraceId && s.Kind == "Client", ct);
        Assert.Equal(server.SpanId, upstream.ParentSpanId);
        Assert.Equal("upstream.example", upstream["server.address"]);
        Assert.Equal(9000L, upstream["server.port"]);
        Assert.True(JsonRpcTraceContext.TryExtract(forwarded, out var sent));
        Assert.Equal(upstream.SpanId, sent.SpanId.ToHexString());

        var refused = await receiver.WaitForSpanAsync(s => s.Name == "tools/call admin_reset_export", ct);
        Assert.Equal("Error", refused.StatusCode);
        Assert.Equal("insufficient_scope", refused["mcp_auth_proxy.reason"]);
        Assert.Equal("-32003", refused["error.type"]);
        Assert.Null(refused.ParentSpanId);
    }

    [Fact]
    public async Task Every_metric_the_sample_dashboard_queries_is_one_prometheus_scrapes_from_the_gateway()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await OtlpReceiver.StartAsync(ct);
        await using var app = await StartAppAsync(receiver.Endpoint, ct);
        var diagnostics = app.Services.GetRequiredService<DiagnosticsServer>().Address!;
        await using var prometheus = await Prometheus.StartAsync([new Uri(diagnostics, "/metrics")], ct);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        (await http.PostAsync("/mcp", new StringContent(Call("echo", 1), Encoding.UTF8, "application/json"), ct)).Dispose();
        var metrics = app.Services.GetRequiredService<GatewayMetrics>();
        metrics.SessionEnded("http", metrics.SessionStarted("http"), "2025-06-18");
        metrics.SessionStarted("stdio");
        metrics.TokenValidated("valid");
        metrics.TokenValidated("invalid", "expired");
        metrics.KeysRefreshed("unknown_key", succeeded: true);
        metrics.StdioStarted("session");
        metrics.StdioExited("session", stopped: false, exitCode: 1);
        metrics.StdioRestarted("session");
        metrics.UpstreamFailed("http", "connection_refused");
        metrics.RateLimited("registration");
        metrics.AuditRecordsDropped(1);

        var dashboard = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "deploy", "observability", "grafana-dashboard.json"), ct);
        var names = System.Text.RegularExpressions.Regex.Matches(dashboard, @"\b(mcp_[a-z0-9_]+|target_info)\b").Select(m => m.Value)
            .Where(n => !n.StartsWith("mcp_auth_proxy_", StringComparison.Ordinal) || n.StartsWith("mcp_auth_proxy_gateway_", StringComparison.Ordinal))
            .Where(n => n.EndsWith("_total", StringComparison.Ordinal) || n.EndsWith("_bucket", StringComparison.Ordinal)
                || n.EndsWith("_count", StringComparison.Ordinal) || n.EndsWith("_active", StringComparison.Ordinal) || n == "target_info")
            .Distinct().ToList();
        Assert.True(names.Count >= 12, string.Join(", ", names));
        foreach (var name in names)
        {
            await prometheus.WaitForValueAsync($"count({{__name__=\"{name}\"}})", v => v > 0, ct);
        }

        // Labels the dashboard groups by are ones the series carry.
        foreach (var (metric, label) in new[]
        {
            ("mcp_auth_proxy_gateway_stdio_exits_total", "mcp_auth_proxy_stdio_exit_reason"),
            ("mcp_auth_proxy_gateway_signing_keys_refreshes_total", "mcp_auth_proxy_keys_trigger"),
            ("mcp_auth_proxy_gateway_token_validations_total", "mcp_auth_proxy_token_result"),
            ("mcp_auth_proxy_gateway_rate_limit_refusals_total", "mcp_auth_proxy_rate_limit"),
            ("mcp_auth_proxy_gateway_upstream_errors_total", "mcp_auth_proxy_upstream_kind"),
        })
        {
            Assert.Contains(await prometheus.QueryAsync(metric, ct), s => s.Labels.ContainsKey(label));
        }
    }
}
