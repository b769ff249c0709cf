using System.Diagnostics;
using System.Text.Json;
using McpAuthProxy.Telemetry.Conventions;
using McpAuthProxy.Telemetry.Propagation;

namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>
/// What the request pipeline knows of one MCP request once it has read the body: the JSON-RPC message's method, target
/// and id, its <c>params._meta</c> trace context, and the HTTP side (session, protocol version, caller's address).
/// Build it with <see cref="FromMessage"/> and <c>with</c> for the HTTP side, or member by member.
/// </summary>
internal readonly record struct McpRequestInfo
{
    /// <summary>The HTTP method (POST, GET for a stream, DELETE to end a session).</summary>
    public string? HttpMethod { get; init; }

    /// <summary>The JSON-RPC method; null when there is no body (GET, DELETE) or it was not read (413).</summary>
    public string? Method { get; init; }

    /// <summary><c>params.name</c> (tool, prompt) or <c>params.uri</c> (resource).</summary>
    public string? Name { get; init; }

    /// <summary>The request id as a string; null for notifications.</summary>
    public string? RequestId { get; init; }

    public string? SessionId { get; init; }

    /// <summary><c>MCP-Protocol-Version</c>, or <c>params.protocolVersion</c> of an initialize.</summary>
    public string? ProtocolVersion { get; init; }

    /// <summary>The caller's context from <c>params._meta.traceparent</c>: the parent of the server span.</summary>
    public ActivityContext MetaContext { get; init; }

    /// <summary>The context of the transport (the <c>traceparent</c> header): the parent when there is no
    /// <see cref="MetaContext"/>, else a link.</summary>
    public ActivityContext TransportContext { get; init; }

    public string? ClientAddress { get; init; }

    public int? ClientPort { get; init; }

    /// <summary><c>1.1</c>, <c>2</c> or <c>3</c>.</summary>
    public string? NetworkProtocolVersion { get; init; }

    /// <summary><c>params.arguments</c>, kept for the audit log when it asks for arguments.</summary>
    public JsonElement? Arguments { get; init; }

    public string? ToolName => Method == McpMethods.ToolsCall ? Name : null;

    public string? PromptName => Method == McpMethods.PromptsGet ? Name : null;

    public string? ResourceUri => McpMethods.TakesResourceUri(Method) ? Name : null;

    /// <summary>Reads method, name or uri, id, <c>_meta</c> trace context and arguments from one JSON-RPC message.</summary>
    public static McpRequestInfo FromMessage(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return default;
        }

        string? method = message.TryGetProperty("method"u8, out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        string? id = message.TryGetProperty("id"u8, out var i) ? i.ValueKind switch
        {
            JsonValueKind.String => i.GetString(),
            JsonValueKind.Number => i.GetRawText(),
            _ => null,
        } : null;
        string? name = null;
        string? version = null;
        JsonElement? arguments = null;
        ActivityContext meta = default;
        if (message.TryGetProperty("params"u8, out var parameters) && parameters.ValueKind == JsonValueKind.Object)
        {
            if (parameters.TryGetProperty("name"u8, out var n) && n.ValueKind == JsonValueKind.String)
            {
                name = n.GetString();
            }
            else if (parameters.TryGetProperty("uri"u8, out var u) && u.ValueKind == JsonValueKind.String)
            {
                name = u.GetString();
            }

            if (method == McpMethods.Initialize && parameters.TryGetProperty("protocolVersion"u8, out var v) && v.ValueKind == JsonValueKind.String)
            {
                version = v.GetString();
            }

            if (parameters.TryGetProperty("arguments"u8, out var a))
            {
                arguments = a.Clone();
            }

            JsonRpcTraceContext.TryExtractFromParams(parameters, out meta);
        }

        return new McpRequestInfo
        {
            HttpMethod = "POST",
            Method = method,
            Name = name,
            RequestId = id,
            ProtocolVersion = version,
            MetaContext = meta,
            Arguments = arguments,
        };
    }

    /// <summary>The <c>traceparent</c>/<c>tracestate</c> header pair as a transport context (default when absent or malformed).</summary>
    public static ActivityContext TransportContextFrom(string? traceParent, string? traceState) =>
        W3CTraceContext.TryParse(traceParent, traceState, out var context) ? context : default;
}
