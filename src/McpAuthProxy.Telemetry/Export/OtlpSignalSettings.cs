using OpenTelemetry.Exporter;

namespace McpAuthProxy.Telemetry.Export;

/// <summary>Where and how one signal (traces or metrics) is exported over OTLP.</summary>
/// <param name="Endpoint">The full URL the exporter posts to (for OTLP/HTTP with its <c>/v1/traces</c> or <c>/v1/metrics</c>).</param>
/// <param name="Headers">The <c>OTEL_EXPORTER_OTLP_HEADERS</c> value as given (<c>key=value,key=value</c>), or null.</param>
public sealed record OtlpSignalSettings(Uri Endpoint, OtlpExportProtocol Protocol, string? Headers, TimeSpan Timeout);
