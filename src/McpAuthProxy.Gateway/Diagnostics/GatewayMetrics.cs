using System.Diagnostics;
using System.Diagnostics.Metrics;
using McpAuthProxy.Telemetry.Conventions;

namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>
/// Every instrument of the gateway, on one Meter (<see cref="GatewayTelemetry.Name"/>) made by the injected
/// <see cref="IMeterFactory"/>. The MCP conventions' histograms keep their names; the gateway's own counters are
/// <c>mcp_auth_proxy.gateway.*</c> (Prometheus: dots become underscores, counters end in <c>_total</c>, seconds in
/// <c>_seconds</c>). Every attribute value a caller chooses passes through a bound first.
/// </summary>
internal sealed class GatewayMetrics
{
    public const string AuthorizationDecisions = "mcp_auth_proxy.gateway.authorization.decisions";
    public const string TokenValidations = "mcp_auth_proxy.gateway.token.validations";
    public const string KeyRefreshes = "mcp_auth_proxy.gateway.signing_keys.refreshes";
    public const string ActiveSessions = "mcp_auth_proxy.gateway.sessions.active";
    public const string StdioStarts = "mcp_auth_proxy.gateway.stdio.starts";
    public const string StdioExits = "mcp_auth_proxy.gateway.stdio.exits";
    public const string StdioRestarts = "mcp_auth_proxy.gateway.stdio.restarts";
    public const string UpstreamErrors = "mcp_auth_proxy.gateway.upstream.errors";
    public const string RateLimitRefusals = "mcp_auth_proxy.gateway.rate_limit.refusals";
    public const string AuditDropped = "mcp_auth_proxy.gateway.audit.dropped";

    private readonly Histogram<double> _operationDuration;
    private readonly Histogram<double> _sessionDuration;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _tokenValidations;
    private readonly Counter<long> _keyRefreshes;
    private readonly UpDownCounter<long> _activeSessions;
    private readonly Counter<long> _stdioStarts;
    private readonly Counter<long> _stdioExits;
    private readonly Counter<long> _stdioRestarts;
    private readonly Counter<long> _upstreamErrors;
    private readonly Counter<long> _rateLimitRefusals;
    private readonly Counter<long> _auditDropped;

    /// <param name="owner">Told which Meter is this gateway's before any instrument exists (see <see cref="GatewayMeterOwner"/>).</param>
    public GatewayMetrics(IMeterFactory meterFactory, GatewayMeterOwner? owner = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(new MeterOptions(GatewayTelemetry.Name) { Version = GatewayTelemetry.Source.Version });
        owner?.Own(Meter);
        var buckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = McpMetrics.DurationBuckets };
        _operationDuration = Meter.CreateHistogram(McpMetrics.ServerOperationDuration, McpMetrics.Seconds,
            "MCP request or notification duration as observed on the receiver from the time it was received until the result or ack is sent.", null, buckets);
        _sessionDuration = Meter.CreateHistogram(McpMetrics.ServerSessionDuration, McpMetrics.Seconds,
            "The duration of the MCP session as observed on the MCP server.", null, buckets);
        _decisions = Meter.CreateCounter<long>(AuthorizationDecisions, "{decision}",
            "Authorization decisions on MCP requests, by decision and the reason of a refusal.");
        _tokenValidations = Meter.CreateCounter<long>(TokenValidations, "{validation}",
            "Bearer tokens checked: valid, cached (a recent full check reused) or invalid (error.type says why).");
        _keyRefreshes = Meter.CreateCounter<long>(KeyRefreshes, "{refresh}",
            "Fetches of the issuer's signing keys, by trigger and outcome.");
        _activeSessions = Meter.CreateUpDownCounter<long>(ActiveSessions, "{session}", "MCP sessions open now.");
        _stdioStarts = Meter.CreateCounter<long>(StdioStarts, "{process}", "stdio server processes started.");
        _stdioExits = Meter.CreateCounter<long>(StdioExits, "{process}", "stdio server processes ended, by reason and exit code.");
        _stdioRestarts = Meter.CreateCounter<long>(StdioRestarts, "{restart}", "stdio server processes restarted after a crash.");
        _upstreamErrors = Meter.CreateCounter<long>(UpstreamErrors, "{error}", "Upstream calls that failed (no answer, refused connection, crash).");
        _rateLimitRefusals = Meter.CreateCounter<long>(RateLimitRefusals, "{refusal}", "Requests refused by a limit, by limit.");
        _auditDropped = Meter.CreateCounter<long>(AuditDropped, "{record}", "Audit records dropped because the audit queue was full.");
    }

    public Meter Meter { get; }

    /// <summary>Tool and prompt names (bounded: the first 256 distinct ones, then <c>_OTHER</c>).</summary>
    public BoundedTagValues Targets { get; } = new(256);

    /// <summary>JSON-RPC error codes and other error types (bounded like <see cref="Targets"/>).</summary>
    public BoundedTagValues ErrorTypes { get; } = new(64);

    public void OperationCompleted(double seconds, in TagList tags) => _operationDuration.Record(seconds, tags);

    public bool OperationDurationEnabled => _operationDuration.Enabled;

    /// <summary>An authorization decision: <paramref name="reason"/> is null when allowed.</summary>
    public void Decision(string? method, string? reason)
    {
        if (!_decisions.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { GatewayAttributes.Decision, reason is null ? GatewayAttributes.Allowed : GatewayAttributes.Refused },
            { McpAttributes.MethodName, McpMethods.ForMetrics(method) },
        };
        if (reason is not null)
        {
            tags.Add(GatewayAttributes.Reason, reason);
        }

        _decisions.Add(1, tags);
    }

    /// <summary>A token checked: <paramref name="result"/> is <c>valid</c>, <c>cached</c> or <c>invalid</c> (with <paramref name="errorType"/>).</summary>
    public void TokenValidated(string result, string? errorType = null)
    {
        if (errorType is null)
        {
            _tokenValidations.Add(1, new KeyValuePair<string, object?>(GatewayAttributes.TokenResult, result));
        }
        else
        {
            _tokenValidations.Add(1, new KeyValuePair<string, object?>(GatewayAttributes.TokenResult, result),
                new KeyValuePair<string, object?>(McpAttributes.ErrorType, ErrorTypes.Admit(errorType)));
        }
    }

    /// <summary>The issuer's keys fetched, at <paramref name="trigger"/> (<c>startup</c>, <c>scheduled</c>, <c>unknown_key</c>).</summary>
    public void KeysRefreshed(string trigger, bool succeeded) =>
        _keyRefreshes.Add(1, new KeyValuePair<string, object?>(GatewayAttributes.RefreshTrigger, trigger),
            new KeyValuePair<string, object?>(GatewayAttributes.Outcome, succeeded ? "ok" : "failed"));

    /// <summary>A session begins; returns its start timestamp for <see cref="SessionEnded"/>.</summary>
    public long SessionStarted(string upstreamKind)
    {
        _activeSessions.Add(1, new KeyValuePair<string, object?>(GatewayAttributes.UpstreamKind, upstreamKind));
        return Stopwatch.GetTimestamp();
    }

    /// <summary>A session ends (closed, expired, or its process gone: <paramref name="errorType"/>).</summary>
    public void SessionEnded(string upstreamKind, long startedTimestamp, string? protocolVersion, string? errorType = null)
    {
        _activeSessions.Add(-1, new KeyValuePair<string, object?>(GatewayAttributes.UpstreamKind, upstreamKind));
        var tags = new TagList
        {
            { GatewayAttributes.UpstreamKind, upstreamKind },
            { McpAttributes.NetworkTransport, McpAttributeValues.Tcp },
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

    /// <summary>A stdio process started (<paramref name="mode"/>: <c>session</c> or <c>shared</c>).</summary>
    public void StdioStarted(string mode) => _stdioStarts.Add(1, new KeyValuePair<string, object?>(GatewayAttributes.StdioMode, mode));

    /// <summary>A stdio process ended: <paramref name="stopped"/> when the gateway stopped it, else it exited by itself.</summary>
    public void StdioExited(string mode, bool stopped, int? exitCode)
    {
        var tags = new TagList
        {
            { GatewayAttributes.StdioMode, mode },
            { GatewayAttributes.ExitReason, stopped ? "stopped" : "exited" },
        };
        if (exitCode is { } code)
        {
            tags.Add(GatewayAttributes.ExitCode, code);
        }

        _stdioExits.Add(1, tags);
    }

    public void StdioRestarted(string mode) => _stdioRestarts.Add(1, new KeyValuePair<string, object?>(GatewayAttributes.StdioMode, mode));

    /// <summary>An upstream call failed; <paramref name="errorType"/> is low-cardinality (<c>connection_refused</c>, <c>timeout</c>, <c>process_exited</c>...).</summary>
    public void UpstreamFailed(string upstreamKind, string errorType) =>
        _upstreamErrors.Add(1, new KeyValuePair<string, object?>(GatewayAttributes.UpstreamKind, upstreamKind),
            new KeyValuePair<string, object?>(McpAttributes.ErrorType, ErrorTypes.Admit(errorType)));

    /// <summary>A request refused by the limit named <paramref name="limit"/>.</summary>
    public void RateLimited(string limit) => _rateLimitRefusals.Add(1, new KeyValuePair<string, object?>(GatewayAttributes.RateLimit, limit));

    /// <summary>Audit records dropped because the queue was full.</summary>
    public void AuditRecordsDropped(long count) => _auditDropped.Add(count);
}
