using McpAuthProxy.Telemetry.Export;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OpenTelemetry;

/// <summary>OTLP export set from <see cref="OtlpExportSettings"/> rather than from the SDK's own reading of the environment.</summary>
public static class OtlpExporterBuilderExtensions
{
    /// <summary>Exports traces to <paramref name="settings"/>' endpoint (a batch processor, as the SDK does by default).</summary>
    public static TracerProviderBuilder AddOtlpExporter(this TracerProviderBuilder builder, OtlpSignalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return builder.AddOtlpExporter(o => Apply(o, settings));
    }

    /// <summary>Exports metrics to <paramref name="settings"/>' endpoint every <paramref name="interval"/> (cumulative).</summary>
    public static MeterProviderBuilder AddOtlpExporter(this MeterProviderBuilder builder, OtlpSignalSettings settings, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return builder.AddOtlpExporter((o, reader) =>
        {
            Apply(o, settings);
            reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)Math.Min(int.MaxValue, interval.TotalMilliseconds);
        });
    }

    /// <summary><c>service.name</c> (<c>OTEL_SERVICE_NAME</c> or <paramref name="defaultServiceName"/>), version and <c>OTEL_RESOURCE_ATTRIBUTES</c>.</summary>
    public static ResourceBuilder AddMcpAuthProxyService(this ResourceBuilder builder, OtlpExportSettings settings, string defaultServiceName, string? version)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        return builder.AddService(settings.ServiceName ?? defaultServiceName, serviceVersion: version).AddAttributes(settings.ResourceAttributes);
    }

    private static void Apply(OtlpExporterOptions options, OtlpSignalSettings settings)
    {
        options.Endpoint = settings.Endpoint;
        options.Protocol = settings.Protocol;
        options.Headers = settings.Headers;
        options.TimeoutMilliseconds = (int)Math.Min(int.MaxValue, settings.Timeout.TotalMilliseconds);
    }
}
