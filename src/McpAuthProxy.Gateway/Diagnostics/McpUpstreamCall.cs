using System.Diagnostics;
using System.Net.Http.Headers;
using McpAuthProxy.Telemetry.Conventions;
using McpAuthProxy.Telemetry.Propagation;

namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>
/// The gateway's call to its upstream for one MCP request: a CLIENT span under the server span, and the context to pass
/// on (a <c>traceparent</c> header over HTTP, <c>params._meta.traceparent</c> in the message over HTTP and stdio).
/// Without tracing every method is a no-op and the message goes out as it came.
/// </summary>
internal sealed class McpUpstreamCall(Activity? activity, string kind, GatewayMetrics metrics) : IDisposable
{
    public Activity? Activity { get; } = activity;

    /// <summary>Sets <c>traceparent</c>/<c>tracestate</c> of an outgoing HTTP request to this call's span.</summary>
    public void InjectInto(HttpHeaders headers)
    {
        if (Activity is { } activity)
        {
            W3CTraceContext.Inject(headers, activity.Context);
        }
    }

    /// <summary>The JSON-RPC message (or batch) with this call's context in <c>params._meta</c>; the same bytes without tracing.</summary>
    public ReadOnlyMemory<byte> InjectInto(ReadOnlyMemory<byte> message) =>
        Activity is { } activity ? JsonRpcTraceContext.Inject(message.Span, activity.Context) : message;

    /// <summary>The span-only overload for callers holding a span.</summary>
    public byte[] InjectInto(ReadOnlySpan<byte> message) =>
        Activity is { } activity ? JsonRpcTraceContext.Inject(message, activity.Context) : message.ToArray();

    /// <summary>The upstream failed (<paramref name="errorType"/>: <c>connection_refused</c>, <c>timeout</c>, <c>process_exited</c>...).</summary>
    public void Failed(string errorType, string? description = null)
    {
        metrics.UpstreamFailed(kind, errorType);
        if (Activity is { } activity)
        {
            activity.SetTag(McpAttributes.ErrorType, errorType);
            activity.SetStatus(ActivityStatusCode.Error, description);
        }
    }

    public void Dispose() => Activity?.Dispose();
}
