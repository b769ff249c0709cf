namespace McpAuthProxy.Telemetry.Conventions;

/// <summary>The MCP conventions' histograms: names, unit and the bucket boundaries they advise.</summary>
public static class McpMetrics
{
    /// <summary>Receipt of a request or notification until its result or ack is sent (the gateway).</summary>
    public const string ServerOperationDuration = "mcp.server.operation.duration";

    /// <summary>An MCP session as the server side sees it (the gateway).</summary>
    public const string ServerSessionDuration = "mcp.server.session.duration";

    /// <summary>Sending a request or notification until its response or ack (the bridge).</summary>
    public const string ClientOperationDuration = "mcp.client.operation.duration";

    /// <summary>An MCP session as the client side sees it (the bridge).</summary>
    public const string ClientSessionDuration = "mcp.client.session.duration";

    /// <summary>Every MCP duration is in seconds.</summary>
    public const string Seconds = "s";

    /// <summary>The <c>ExplicitBucketBoundaries</c> the conventions give every MCP duration histogram, in seconds.</summary>
    public static IReadOnlyList<double> DurationBuckets { get; } = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
}
