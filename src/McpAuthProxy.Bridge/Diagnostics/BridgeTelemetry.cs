using System.Diagnostics;
using System.Diagnostics.Metrics;
using McpAuthProxy.Telemetry.Conventions;

namespace McpAuthProxy.Bridge.Diagnostics;

/// <summary>
/// The bridge's ActivitySource and Meter (one name, <see cref="Name"/>) and the conventions' client histograms:
/// <c>mcp.client.operation.duration</c> and <c>mcp.client.session.duration</c>.
/// </summary>
public sealed class BridgeTelemetry : IDisposable
{
    public const string Name = "McpAuthProxy.Bridge";

    private readonly Histogram<double> _operationDuration;
    private readonly Histogram<double> _sessionDuration;

    /// <param name="meterFactory">Where the Meter comes from; null makes one the instance owns.</param>
    public BridgeTelemetry(IMeterFactory? meterFactory = null)
    {
        var options = new MeterOptions(Name) { Version = Source.Version };
        Meter = meterFactory?.Create(options) ?? new Meter(options);
        var buckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = McpMetrics.DurationBuckets };
        _operationDuration = Meter.CreateHistogram(McpMetrics.ClientOperationDuration, McpMetrics.Seconds,
            "The duration of the MCP request or notification as observed on the sender from the time it was sent until the response or ack is received.", null, buckets);
        _sessionDuration = Meter.CreateHistogram(McpMetrics.ClientSessionDuration, McpMetrics.Seconds,
            "The duration of the MCP session as observed on the MCP client.", null, buckets);
        OwnsMeter = meterFactory is null;
    }

    /// <summary>The CLIENT spans of the requests the bridge relays.</summary>
    internal static ActivitySource Source { get; } = new(Name, typeof(BridgeTelemetry).Assembly.GetName().Version?.ToString(3));

    public Meter Meter { get; }

    private bool OwnsMeter { get; }

    /// <summary>Tool and prompt names on the histograms: the first 256 distinct ones, then <c>_OTHER</c>.</summary>
    internal BoundedTagValues Targets { get; } = new(256);

    internal BoundedTagValues ErrorTypes { get; } = new(64);

    internal void OperationCompleted(double seconds, in TagList tags) => _operationDuration.Record(seconds, tags);

    internal bool OperationDurationEnabled => _operationDuration.Enabled;

    /// <summary>A session with the remote server begins (the bridge sent initialize or server/discover).</summary>
    public long SessionStarted() => Stopwatch.GetTimestamp();

    /// <summary>The session ends: <paramref name="errorType"/> when it ended with an error.</summary>
    public void SessionEnded(long startedTimestamp, Uri server, string? protocolVersion, string? errorType = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var tags = new TagList
        {
            { McpAttributes.NetworkTransport, McpAttributeValues.Tcp },
            { McpAttributes.NetworkProtocolName, McpAttributeValues.Http },
            { McpAttributes.ServerAddress, server.IdnHost },
            { McpAttributes.ServerPort, server.Port },
        };
        if (McpMethods.VersionForMetrics(protocolVersion) is { } version)
        {
            tags.Add(McpAttributes.ProtocolVersion, version);
        }

        if (errorType is not null)
        {
            tags.Add(McpAttributes.ErrorType, ErrorTypes.Admit(errorType));
        }

        _sessionDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, tags);
    }

    public void Dispose()
    {
        if (OwnsMeter)
        {
            Meter.Dispose();
        }
    }
}
