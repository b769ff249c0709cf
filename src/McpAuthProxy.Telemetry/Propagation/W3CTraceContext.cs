using System.Diagnostics;
using System.Net.Http.Headers;

namespace McpAuthProxy.Telemetry.Propagation;

/// <summary>
/// W3C Trace Context (<c>traceparent</c>, <c>tracestate</c>) read from and written to HTTP headers and strings. Only
/// version <c>00</c> is written; a <c>traceparent</c> that does not parse is ignored, as the W3C specification says.
/// </summary>
public static class W3CTraceContext
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>A longer <c>tracestate</c> is dropped (the W3C limit is 32 entries; 512 characters is what vendors must keep).</summary>
    public const int MaxTraceStateLength = 1024;

    /// <summary>The remote context in <paramref name="traceParent"/>/<paramref name="traceState"/>, or false when there is none or it is malformed.</summary>
    public static bool TryParse(string? traceParent, string? traceState, out ActivityContext context)
    {
        context = default;
        if (string.IsNullOrEmpty(traceParent) || traceParent.Length > 128)
        {
            return false;
        }

        if (traceState is { Length: > MaxTraceStateLength })
        {
            traceState = null;
        }

        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out context)
            && context.TraceId != default && context.SpanId != default;
    }

    /// <summary>The <c>traceparent</c> value of <paramref name="context"/>: <c>00-{trace-id}-{parent-id}-{flags}</c>.</summary>
    public static string Format(in ActivityContext context) =>
        string.Concat("00-", context.TraceId.ToHexString(), "-", context.SpanId.ToHexString(),
            (context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "-01" : "-00");

    /// <summary>Replaces <c>traceparent</c> and <c>tracestate</c> in <paramref name="headers"/> with <paramref name="context"/>.</summary>
    public static void Inject(HttpHeaders headers, in ActivityContext context)
    {
        ArgumentNullException.ThrowIfNull(headers);
        headers.Remove(TraceParent);
        headers.Remove(TraceState);
        headers.TryAddWithoutValidation(TraceParent, Format(context));
        if (!string.IsNullOrEmpty(context.TraceState))
        {
            headers.TryAddWithoutValidation(TraceState, context.TraceState);
        }
    }
}
