namespace McpAuthProxy.Telemetry.Conventions;

/// <summary>Well-known values of the MCP conventions' attributes.</summary>
public static class McpAttributeValues
{
    /// <summary><c>network.transport</c> of HTTP.</summary>
    public const string Tcp = "tcp";

    /// <summary><c>network.transport</c> of stdio.</summary>
    public const string Pipe = "pipe";

    /// <summary><c>network.protocol.name</c> of Streamable HTTP and HTTP+SSE.</summary>
    public const string Http = "http";

    /// <summary><c>gen_ai.operation.name</c> of <c>tools/call</c>.</summary>
    public const string ExecuteTool = "execute_tool";

    /// <summary><c>error.type</c> of a <c>CallToolResult</c> with <c>isError: true</c>.</summary>
    public const string ToolError = "tool_error";

    /// <summary>The conventions' fallback for a value outside the known set (also used to bound metric cardinality).</summary>
    public const string Other = "_OTHER";
}
