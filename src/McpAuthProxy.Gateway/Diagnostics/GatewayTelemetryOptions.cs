using McpAuthProxy.Gateway.Audit;
using McpAuthProxy.Telemetry.Export;

namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>Everything that decides what the gateway exports: OTLP (from OTEL_*), the diagnostics listener, the audit log, span names.</summary>
internal sealed record GatewayTelemetryOptions
{
    public OtlpExportSettings Otlp { get; init; } = OtlpExportSettings.None;

    public DiagnosticsOptions Diagnostics { get; init; } = new();

    public AuditOptions Audit { get; init; } = AuditOptions.Off;

    public McpSpanOptions Spans { get; init; } = new();

    /// <summary><c>service.name</c> unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
    public string ServiceName { get; init; } = "mcp-auth-proxy-gateway";

    /// <summary>Spans are made only when someone exports them (today: OTLP traces).</summary>
    public bool Tracing => Otlp.Traces is not null;

    /// <summary>Metrics are collected when Prometheus scrapes them or OTLP exports them, unless <c>OTEL_SDK_DISABLED=true</c>
    /// (then the diagnostics listener keeps <c>/healthz</c> and <c>/readyz</c> and answers 404 on <c>/metrics</c>).</summary>
    public bool Metrics => !Otlp.SdkDisabled && (Otlp.Metrics is not null || Diagnostics.Listen is not null);
}
