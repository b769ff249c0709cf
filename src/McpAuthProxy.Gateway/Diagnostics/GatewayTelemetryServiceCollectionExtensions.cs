using McpAuthProxy.Gateway.Audit;
using McpAuthProxy.Gateway.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The way in for the gateway's telemetry: <c>services.AddMcpGatewayTelemetry(options)</c>.</summary>
internal static class GatewayTelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Registers the recorder the request pipeline calls (<see cref="McpRequestTelemetry"/>), the gateway's instruments,
    /// the audit log (a hosted service when <c>audit.path</c> is set, else a no-op), the OpenTelemetry SDK with OTLP
    /// export for the signals whose endpoint is set and the Prometheus exporter, and the diagnostics listener (a hosted
    /// service on <c>diagnostics.listen</c>).
    /// </summary>
    public static IServiceCollection AddMcpGatewayTelemetry(this IServiceCollection services, GatewayTelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton(options);
        var owner = new GatewayMeterOwner();
        services.TryAddSingleton(owner);
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton(sp => new McpRequestTelemetry(
            sp.GetRequiredService<GatewayMetrics>(), sp.GetRequiredService<IAuditLog>(), sp.GetRequiredService<TimeProvider>(), options.Spans));

        if (options.Audit.Enabled)
        {
            services.TryAddSingleton(sp => new AuditLog(options.Audit, AuditLog.OpenSink(options.Audit), sp.GetRequiredService<GatewayMetrics>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AuditLog>>()));
            services.TryAddSingleton<IAuditLog>(sp => sp.GetRequiredService<AuditLog>());
            services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        }
        else
        {
            services.TryAddSingleton<IAuditLog>(NullAuditLog.Instance);
        }

        if (options.Tracing || options.Metrics)
        {
            var version = typeof(GatewayTelemetry).Assembly.GetName().Version?.ToString(3);
            var otel = services.AddOpenTelemetry().ConfigureResource(r => r.AddMcpAuthProxyService(options.Otlp, options.ServiceName, version));
            if (options.Otlp.Traces is { } traces)
            {
                otel.WithTracing(t => t
                    .AddSource(GatewayTelemetry.Name)
                    .SetSampler(new ParentBasedSampler(new AlwaysOnSampler()))
                    .AddOtlpExporter(traces));
            }

            if (options.Metrics)
            {
                otel.WithMetrics(m =>
                {
                    m.AddMeter(GatewayTelemetry.Name).AddView(owner.Filter);
                    if (options.Otlp.Metrics is { } metrics)
                    {
                        m.AddOtlpExporter(metrics, options.Otlp.MetricExportInterval);
                    }

                    if (options.Diagnostics.Listen is not null)
                    {
                        m.AddPrometheusExporter();
                    }
                });
            }
        }

        if (options.Diagnostics.Listen is { } listen)
        {
            services.TryAddSingleton(sp => new DiagnosticsServer(listen, sp.GetService<MeterProvider>(),
                sp.GetServices<IReadinessCheck>(), sp.GetRequiredService<ILoggerFactory>()));
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<DiagnosticsServer>());
        }

        return services;
    }
}
