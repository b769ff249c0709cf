namespace McpAuthProxy.Telemetry.Conventions;

/// <summary>
/// Attribute names of the OpenTelemetry semantic conventions for MCP (open-telemetry/semantic-conventions-genai,
/// docs/gen-ai/mcp.md), on spans and on the <c>mcp.*.duration</c> histograms.
/// </summary>
public static class McpAttributes
{
    /// <summary>Required: the request or notification method, e.g. <c>tools/call</c>.</summary>
    public const string MethodName = "mcp.method.name";

    /// <summary>The tool of a <c>tools/call</c>.</summary>
    public const string ToolName = "gen_ai.tool.name";

    /// <summary>The prompt of a <c>prompts/get</c>.</summary>
    public const string PromptName = "gen_ai.prompt.name";

    /// <summary><c>execute_tool</c> on tool calls only.</summary>
    public const string OperationName = "gen_ai.operation.name";

    /// <summary>The resource URI of <c>resources/read</c>, <c>subscribe</c>, <c>unsubscribe</c>: opt-in on metrics and span names.</summary>
    public const string ResourceUri = "mcp.resource.uri";

    public const string SessionId = "mcp.session.id";

    public const string ProtocolVersion = "mcp.protocol.version";

    /// <summary>The request id as a string; never set for notifications (no id) or a null id.</summary>
    public const string JsonRpcRequestId = "jsonrpc.request.id";

    /// <summary>Only when it is not <c>2.0</c>.</summary>
    public const string JsonRpcProtocolVersion = "jsonrpc.protocol.version";

    /// <summary>The JSON-RPC error code as a string, or another low-cardinality class of the failure.</summary>
    public const string ErrorType = "error.type";

    /// <summary>The JSON-RPC error code of the response, as a string.</summary>
    public const string RpcResponseStatusCode = "rpc.response.status_code";

    /// <summary><c>tcp</c> for HTTP, <c>pipe</c> for stdio.</summary>
    public const string NetworkTransport = "network.transport";

    public const string NetworkProtocolName = "network.protocol.name";

    public const string NetworkProtocolVersion = "network.protocol.version";

    public const string ClientAddress = "client.address";

    public const string ClientPort = "client.port";

    public const string ServerAddress = "server.address";

    public const string ServerPort = "server.port";
}
