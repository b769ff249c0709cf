using System.Net;
using System.Text.Json;
using McpAuthProxy.Gateway.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.Tests.Diagnostics;

public sealed class DiagnosticsServerTests
{
    /// <summary>A public app with the gateway's telemetry, diagnostics on a free loopback port, one readiness check.</summary>
    private static async Task<(WebApplication App, Uri Public, Uri Diagnostics)> StartAsync(IReadinessCheck? check, CancellationToken cancellationToken,
        McpAuthProxy.Telemetry.Export.OtlpExportSettings? otlp = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddMcpGatewayTelemetry(new GatewayTelemetryOptions
        {
            Diagnostics = new DiagnosticsOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) },
            Otlp = otlp ?? McpAuthProxy.Telemetry.Export.OtlpExportSettings.None,
        });
        if (check is not null)
        {
            builder.Services.AddSingleton(check);
        }

        var app = builder.Build();
        var telemetry = app.Services.GetRequiredService<McpRequestTelemetry>();
        app.MapPost("/mcp", (HttpContext context) =>
        {
            using var operation = telemetry.Start(context, McpRequestInfo.FromMessage(JsonDocument.Parse("""{"id":1,"method":"tools/call","params":{"name":"echo"}}""").RootElement));
            operation.Allowed();
            operation.Complete(200);
            return Results.Ok();
        });
        await app.StartAsync(cancellationToken);
        var diagnostics = app.Services.GetRequiredService<DiagnosticsServer>().Address!;
        return (app, new Uri(app.Urls.Single()), diagnostics);
    }

    [Fact]
    public async Task Metrics_are_served_in_prometheus_format_on_the_diagnostics_listener_and_not_on_the_public_port()
    {
        var ct = TestContext.Current.CancellationToken;
        var (app, publicUrl, diagnostics) = await StartAsync(null, ct);
        await using var _ = app;
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(new Uri(publicUrl, "/mcp"), null, ct)).StatusCode);
        Assert.NotEqual(publicUrl.Port, diagnostics.Port);
        var scrape = await http.GetStringAsync(new Uri(diagnostics, "/metrics"), ct);

        Assert.Contains("# TYPE mcp_server_operation_duration_seconds histogram", scrape, StringComparison.Ordinal);
        Assert.Contains("mcp_server_operation_duration_seconds_bucket{otel_scope_name=\"McpAuthProxy.Gateway\"", scrape, StringComparison.Ordinal);
        Assert.Contains("gen_ai_tool_name=\"echo\"", scrape, StringComparison.Ordinal);
        Assert.Contains("le=\"0.01\"", scrape, StringComparison.Ordinal);
        Assert.Contains("le=\"300\"", scrape, StringComparison.Ordinal);
        Assert.Single(scrape.Split('\n'), line => line.StartsWith("mcp_auth_proxy_gateway_authorization_decisions_total{", StringComparison.Ordinal)
            && line.Contains("mcp_auth_proxy_decision=\"allowed\"", StringComparison.Ordinal)
            && line.Contains("mcp_method_name=\"tools/call\"", StringComparison.Ordinal)
            && line.EndsWith("} 1", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(publicUrl, "/metrics"), ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(diagnostics, "/mcp"), ct)).StatusCode);
    }

    [Fact]
    public async Task Healthz_answers_while_readyz_waits_for_every_check()
    {
        var ct = TestContext.Current.CancellationToken;
        var check = new Check();
        var (app, _, diagnostics) = await StartAsync(check, ct);
        await using var __ = app;
        using var http = new HttpClient();

        Assert.Equal("ok\n", await http.GetStringAsync(new Uri(diagnostics, "/healthz"), ct));
        var notReady = await http.GetAsync(new Uri(diagnostics, "/readyz"), ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal("not ready: issuer signing keys\n", await notReady.Content.ReadAsStringAsync(ct));

        check.Ready = true;
        Assert.Equal("ready\n", await http.GetStringAsync(new Uri(diagnostics, "/readyz"), ct));
    }

    [Fact]
    public async Task Another_gateway_in_the_same_process_adds_nothing_to_this_ones_metrics()
    {
        var ct = TestContext.Current.CancellationToken;
        var (busy, busyUrl, _) = await StartAsync(null, ct);
        await using var __ = busy;
        var (quiet, _, quietDiagnostics) = await StartAsync(null, ct);
        await using var ___ = quiet;
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(new Uri(busyUrl, "/mcp"), null, ct)).StatusCode);
        var scrape = await http.GetStringAsync(new Uri(quietDiagnostics, "/metrics"), ct);

        Assert.DoesNotContain("mcp_auth_proxy_gateway_authorization_decisions_total{", scrape, StringComparison.Ordinal);
        Assert.DoesNotContain("mcp_server_operation_duration_seconds_count{", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_sdk_disabled_nothing_is_collected_and_metrics_is_404_while_health_still_answers()
    {
        var ct = TestContext.Current.CancellationToken;
        var (app, publicUrl, diagnostics) = await StartAsync(null, ct, new McpAuthProxy.Telemetry.Export.OtlpExportSettings { SdkDisabled = true });
        await using var _ = app;
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync(new Uri(publicUrl, "/mcp"), null, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(diagnostics, "/metrics"), ct)).StatusCode);
        Assert.Equal("ok\n", await http.GetStringAsync(new Uri(diagnostics, "/healthz"), ct));
        Assert.Null(app.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
    }

    [Fact]
    public async Task A_taken_diagnostics_address_fails_the_start_with_the_fix()
    {
        var ct = TestContext.Current.CancellationToken;
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using var server = new DiagnosticsServer(new IPEndPoint(IPAddress.Loopback, port), null, [], LoggerFactory.Create(_ => { }));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync(ct));

        Assert.StartsWith($"diagnostics.listen 127.0.0.1:{port} cannot be bound", error.Message, StringComparison.Ordinal);
        Assert.Contains("or off", error.Message, StringComparison.Ordinal);
    }

    private sealed class Check : IReadinessCheck
    {
        public volatile bool Ready;

        public string Name => "issuer signing keys";

        public ValueTask<bool> IsReadyAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Ready);
    }
}
