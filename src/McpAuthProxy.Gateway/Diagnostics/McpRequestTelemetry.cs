using System.Diagnostics;
using McpAuthProxy.Gateway.Audit;
using McpAuthProxy.Telemetry.Conventions;
using McpAuthProxy.Telemetry.Propagation;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>
/// Starts the <see cref="McpServerOperation"/> of each MCP request: the SERVER span named and attributed as the MCP
/// conventions say, parented on the caller's <c>params._meta</c> context when there is one (with the transport's
/// <c>traceparent</c> as a link), else on the transport's context, else a new trace; never on whatever Activity
/// ASP.NET Core made for the HTTP request, which nobody may export.
/// </summary>
internal sealed class McpRequestTelemetry(GatewayMetrics metrics, IAuditLog audit, TimeProvider clock, McpSpanOptions? spanOptions = null)
{
    private readonly McpSpanOptions _spanOptions = spanOptions ?? new McpSpanOptions();

    internal GatewayMetrics Metrics => metrics;

    internal IAuditLog Audit => audit;

    internal TimeProvider Clock => clock;

    /// <summary>
    /// Starts the operation of <paramref name="request"/> as it came over <paramref name="context"/>: the HTTP method,
    /// <c>traceparent</c>/<c>tracestate</c>, <c>Mcp-Session-Id</c>, <c>MCP-Protocol-Version</c> and the caller's address
    /// fill what <paramref name="request"/> leaves empty.
    /// </summary>
    public McpServerOperation Start(HttpContext context, in McpRequestInfo request)
    {
        ArgumentNullException.ThrowIfNull(context);
        var headers = context.Request.Headers;
        var connection = context.Connection;
        return Start(request with
        {
            HttpMethod = context.Request.Method,
            SessionId = request.SessionId ?? NullIfEmpty(headers["Mcp-Session-Id"].ToString()),
            ProtocolVersion = request.ProtocolVersion ?? NullIfEmpty(headers["MCP-Protocol-Version"].ToString()),
            TransportContext = request.TransportContext != default
                ? request.TransportContext
                : McpRequestInfo.TransportContextFrom(headers[W3CTraceContext.TraceParent].ToString(), headers[W3CTraceContext.TraceState].ToString()),
            ClientAddress = request.ClientAddress ?? connection.RemoteIpAddress?.ToString(),
            ClientPort = request.ClientPort ?? (connection.RemoteIpAddress is null ? null : connection.RemotePort),
            NetworkProtocolVersion = request.NetworkProtocolVersion ?? ProtocolVersionOf(context.Request.Protocol),
        });
    }

    /// <summary>Starts the operation of <paramref name="request"/> as described.</summary>
    public McpServerOperation Start(in McpRequestInfo request)
    {
        var previous = Activity.Current;
        Activity? activity = null;
        if (request.Method is { } method && GatewayTelemetry.Source.HasListeners())
        {
            var hasMeta = request.MetaContext != default;
            var parent = hasMeta ? request.MetaContext : request.TransportContext;
            ActivityLink[]? links = hasMeta && request.TransportContext != default && request.TransportContext != request.MetaContext
                ? [new ActivityLink(request.TransportContext)]
                : null;
            var tags = new TagList
            {
                { McpAttributes.MethodName, method },
                { McpAttributes.NetworkTransport, McpAttributeValues.Tcp },
                { McpAttributes.NetworkProtocolName, McpAttributeValues.Http },
            };
            McpServerOperation.AddTarget(ref tags, request);
            Add(ref tags, McpAttributes.JsonRpcRequestId, request.RequestId);
            Add(ref tags, McpAttributes.SessionId, request.SessionId);
            Add(ref tags, McpAttributes.ProtocolVersion, request.ProtocolVersion);
            Add(ref tags, McpAttributes.NetworkProtocolVersion, request.NetworkProtocolVersion);
            Add(ref tags, McpAttributes.ClientAddress, request.ClientAddress);
            if (request.ClientAddress is not null && request.ClientPort is { } port)
            {
                tags.Add(McpAttributes.ClientPort, port);
            }

            // With no remote parent this is a new trace: not a child of the Activity ASP.NET Core may have made.
            if (parent == default)
            {
                Activity.Current = null;
            }

            activity = GatewayTelemetry.Source.StartActivity(
                McpMethods.SpanName(method, request.Name, _spanOptions.ResourceUriAsSpanTarget), ActivityKind.Server, parent, tags, links);
            if (activity is null)
            {
                Activity.Current = previous;
            }
        }

        return new McpServerOperation(this, request, activity, previous);
    }

    private static void Add(ref TagList tags, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            tags.Add(key, value);
        }
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static string? ProtocolVersionOf(string protocol) => protocol switch
    {
        "HTTP/1.1" => "1.1",
        "HTTP/2" => "2",
        "HTTP/3" => "3",
        "HTTP/1.0" => "1.0",
        _ => null,
    };
}
