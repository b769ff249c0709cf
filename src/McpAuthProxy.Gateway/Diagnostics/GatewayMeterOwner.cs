using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>
/// Which Meter named <see cref="GatewayTelemetry.Name"/> belongs to this gateway. OpenTelemetry's MeterProvider listens
/// by name, so a second gateway in the same process (tests, an embedding host) would otherwise add its measurements to
/// this one's; <see cref="Filter"/>, a view, drops every instrument of another Meter of the same name.
/// </summary>
internal sealed class GatewayMeterOwner
{
    private Meter? _meter;

    public void Own(Meter meter) => _meter = meter;

    /// <summary>A view: null (keep) for this gateway's instruments and every other Meter's, Drop for another gateway's.</summary>
    public MetricStreamConfiguration? Filter(Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return instrument.Meter.Name == GatewayTelemetry.Name && !ReferenceEquals(instrument.Meter, _meter)
            ? MetricStreamConfiguration.Drop
            : null;
    }
}
