using McpAuthProxy.Telemetry.Export;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace McpAuthProxy.Bridge.Diagnostics;

/// <summary>
/// The bridge's export: OTLP traces and metrics when the OTEL_* variables name an endpoint (the bridge has no host, so
/// it builds the providers itself). Nothing is written to stdout, which carries only JSON-RPC. Dispose at exit: it
/// flushes what is pending (5 s at most).
/// </summary>
public sealed class BridgeTelemetryExport : IDisposable
{
    private readonly TracerProvider? _traces;
    private readonly MeterProvider? _metrics;

    private BridgeTelemetryExport(TracerProvider? traces, MeterProvider? metrics)
    {
        _traces = traces;
        _metrics = metrics;
    }

    public bool Tracing => _traces is not null;

    /// <summary>Starts exporting what <paramref name="settings"/> turns on; with none set, nothing is collected.</summary>
    public static BridgeTelemetryExport Start(OtlpExportSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var version = typeof(BridgeTelemetry).Assembly.GetName().Version?.ToString(3);
        var traces = settings.Traces is { } t
            ? Sdk.CreateTracerProviderBuilder()
                .ConfigureResource(r => r.AddMcpAuthProxyService(settings, "mcp-auth-proxy-bridge", version))
                .AddSource(BridgeTelemetry.Name)
                .SetSampler(new ParentBasedSampler(new AlwaysOnSampler()))
                .AddOtlpExporter(t)
                .Build()
            : null;
        var metrics = settings.Metrics is { } m
            ? Sdk.CreateMeterProviderBuilder()
                .ConfigureResource(r => r.AddMcpAuthProxyService(settings, "mcp-auth-proxy-bridge", version))
                .AddMeter(BridgeTelemetry.Name)
                .AddOtlpExporter(m, settings.MetricExportInterval)
                .Build()
            : null;
        return new BridgeTelemetryExport(traces, metrics);
    }

    public void Dispose()
    {
        _traces?.ForceFlush(5000);
        _traces?.Dispose();
        _metrics?.ForceFlush(5000);
        _metrics?.Dispose();
    }
}
