using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using McpAuthProxy.Telemetry.Conventions;
using McpAuthProxy.Telemetry.Propagation;

namespace McpAuthProxy.Bridge.Diagnostics;

/// <summary>
/// One request or notification the bridge sends to the remote server: a CLIENT span named and attributed as the MCP
/// conventions say, parented on the desktop client's <c>params._meta</c> context when it sent one (else the current
/// Activity, else a new trace). <see cref="InjectInto(JsonNode?)"/> and <see cref="InjectInto(HttpHeaders)"/> pass the
/// span on; disposing records <c>mcp.client.operation.duration</c>. Start one with <see cref="Start"/>.
/// </summary>
public sealed class McpClientOperation : IDisposable
{
    private readonly BridgeTelemetry _telemetry;
    private readonly string _method;
    private readonly string? _tool;
    private readonly string? _prompt;
    private readonly string? _protocolVersion;
    private readonly Uri _server;
    private readonly long _started;
    private int? _errorCode;
    private string? _errorType;
    private string? _errorMessage;
    private int _disposed;

    private McpClientOperation(BridgeTelemetry telemetry, Activity? activity, string method, string? name, string? protocolVersion, Uri server)
    {
        _telemetry = telemetry;
        Activity = activity;
        _method = method;
        _tool = method == McpMethods.ToolsCall ? name : null;
        _prompt = method == McpMethods.PromptsGet ? name : null;
        _protocolVersion = protocolVersion;
        _server = server;
        _started = Stopwatch.GetTimestamp();
    }

    /// <summary>The CLIENT span; null without tracing.</summary>
    public Activity? Activity { get; }

    /// <summary>
    /// Starts the operation of <paramref name="method"/> (<paramref name="parameters"/>: its params, whose
    /// <c>name</c>/<c>uri</c> is the target and whose <c>_meta</c> may hold the desktop client's context).
    /// </summary>
    public static McpClientOperation Start(BridgeTelemetry telemetry, string method, JsonNode? parameters, string? requestId,
        Uri server, string? sessionId = null, string? protocolVersion = null)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentNullException.ThrowIfNull(server);
        var name = parameters is JsonObject p
            ? (p["name"] is JsonValue n && n.TryGetValue<string>(out var s) ? s : p["uri"] is JsonValue u && u.TryGetValue<string>(out var uri) ? uri : null)
            : null;
        Activity? activity = null;
        if (BridgeTelemetry.Source.HasListeners())
        {
            JsonRpcTraceContext.TryExtractFromParams(parameters, out var parent);
            var tags = new TagList
            {
                { McpAttributes.MethodName, method },
                { McpAttributes.NetworkTransport, McpAttributeValues.Tcp },
                { McpAttributes.NetworkProtocolName, McpAttributeValues.Http },
                { McpAttributes.ServerAddress, server.IdnHost },
                { McpAttributes.ServerPort, server.Port },
            };
            if (method == McpMethods.ToolsCall && name is not null)
            {
                tags.Add(McpAttributes.ToolName, name);
                tags.Add(McpAttributes.OperationName, McpAttributeValues.ExecuteTool);
            }
            else if (method == McpMethods.PromptsGet && name is not null)
            {
                tags.Add(McpAttributes.PromptName, name);
            }
            else if (McpMethods.TakesResourceUri(method) && name is not null)
            {
                tags.Add(McpAttributes.ResourceUri, name);
            }

            if (requestId is not null)
            {
                tags.Add(McpAttributes.JsonRpcRequestId, requestId);
            }

            if (sessionId is not null)
            {
                tags.Add(McpAttributes.SessionId, sessionId);
            }

            if (protocolVersion is not null)
            {
                tags.Add(McpAttributes.ProtocolVersion, protocolVersion);
            }

            activity = BridgeTelemetry.Source.StartActivity(McpMethods.SpanName(method, name), ActivityKind.Client, parent, tags);
        }

        return new McpClientOperation(telemetry, activity, method, name, protocolVersion, server);
    }

    /// <summary>Params carrying this span in <c>_meta</c> (changed in place; a new object when null). Without tracing, unchanged.</summary>
    public JsonNode? InjectInto(JsonNode? parameters) =>
        Activity is { } activity ? JsonRpcTraceContext.InjectIntoParams(parameters, activity.Context) : parameters;

    /// <summary>Sets <c>traceparent</c>/<c>tracestate</c> of the HTTP request that carries the message.</summary>
    public void InjectInto(HttpHeaders headers)
    {
        if (Activity is { } activity)
        {
            W3CTraceContext.Inject(headers, activity.Context);
        }
    }

    /// <summary>The answer was a JSON-RPC error.</summary>
    public void Error(int code, string? message)
    {
        _errorCode = code;
        _errorMessage = message;
    }

    /// <summary>A tool answered with <c>isError: true</c> (<c>error.type</c> <c>tool_error</c>).</summary>
    public void ToolError() => _errorType = McpAttributeValues.ToolError;

    /// <summary>No answer came (<paramref name="errorType"/>: a low-cardinality class, e.g. <c>timeout</c>, or an exception's type).</summary>
    public void Failed(string errorType, string? message = null)
    {
        _errorType = errorType;
        _errorMessage = message;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        var errorType = _errorType ?? _errorCode?.ToString(CultureInfo.InvariantCulture);
        var statusCode = _errorCode?.ToString(CultureInfo.InvariantCulture);
        if (Activity is { } activity)
        {
            if (errorType is not null)
            {
                activity.SetTag(McpAttributes.ErrorType, errorType);
                activity.SetTag(McpAttributes.RpcResponseStatusCode, statusCode);
                activity.SetStatus(ActivityStatusCode.Error, _errorMessage);
            }

            activity.Dispose();
        }

        if (_telemetry.OperationDurationEnabled)
        {
            var tags = new TagList
            {
                { McpAttributes.MethodName, McpMethods.ForMetrics(_method) },
                { McpAttributes.NetworkTransport, McpAttributeValues.Tcp },
                { McpAttributes.ServerAddress, _server.IdnHost },
                { McpAttributes.ServerPort, _server.Port },
            };
            if (_tool is not null)
            {
                tags.Add(McpAttributes.ToolName, _telemetry.Targets.Admit(_tool));
            }
            else if (_prompt is not null)
            {
                tags.Add(McpAttributes.PromptName, _telemetry.Targets.Admit(_prompt));
            }

            if (McpMethods.VersionForMetrics(_protocolVersion) is { } version)
            {
                tags.Add(McpAttributes.ProtocolVersion, version);
            }

            if (errorType is not null)
            {
                tags.Add(McpAttributes.ErrorType, _telemetry.ErrorTypes.Admit(errorType));
                if (statusCode is not null)
                {
                    tags.Add(McpAttributes.RpcResponseStatusCode, _telemetry.ErrorTypes.Admit(statusCode));
                }
            }

            _telemetry.OperationCompleted(Stopwatch.GetElapsedTime(_started).TotalSeconds, tags);
        }
    }
}
