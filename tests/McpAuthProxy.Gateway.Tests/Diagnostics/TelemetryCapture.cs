using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using McpAuthProxy.Gateway.Audit;
using McpAuthProxy.Gateway.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace McpAuthProxy.Gateway.Tests.Diagnostics;

/// <summary>
/// A gateway recorder with its own Meter (from a fresh IMeterFactory), an ActivityListener on the gateway's source and a
/// MeterListener on that Meter: what one test's requests produced, apart from every other test's. Spans are kept only
/// for the trace ids the test names (other tests share the static ActivitySource).
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters;

    public TelemetryCapture(IAuditLog? audit = null, McpSpanOptions? spanOptions = null)
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Metrics = new GatewayMetrics(_services.GetRequiredService<IMeterFactory>());
        Recorder = new McpRequestTelemetry(Metrics, audit ?? NullAuditLog.Instance, Clock, spanOptions);
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GatewayTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Spans.Add,
        };
        ActivitySource.AddActivityListener(_activities);
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == Metrics.Meter)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Measurements.Add(new(instrument, value, tags.ToArray())));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Measurements.Add(new(instrument, value, tags.ToArray())));
        _meters.Start();
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    public GatewayMetrics Metrics { get; }

    public McpRequestTelemetry Recorder { get; }

    public ConcurrentBag<Activity> Spans { get; } = [];

    public ConcurrentBag<Measurement> Measurements { get; } = [];

    public IReadOnlyList<Activity> SpansOf(ActivityTraceId traceId) => Spans.Where(s => s.TraceId == traceId).OrderBy(s => s.StartTimeUtc).ToList();

    public IReadOnlyList<Measurement> Of(string instrument) => Measurements.Where(m => m.Instrument.Name == instrument).ToList();

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
        _services.Dispose();
    }

    internal sealed record Measurement(Instrument Instrument, double Value, KeyValuePair<string, object?>[] Tags)
    {
        public object? Tag(string key) => Tags.FirstOrDefault(t => t.Key == key).Value;

        public bool Has(string key) => Tags.Any(t => t.Key == key);
    }
}
