namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>
/// The gateway's own span and metric attributes, beside the MCP conventions' (<c>McpAttributes</c>). The
/// <c>mcp_auth_proxy.</c> prefix keeps them apart from any convention's names.
/// </summary>
internal static class GatewayAttributes
{
    /// <summary><c>allowed</c> or <c>refused</c>.</summary>
    public const string Decision = "mcp_auth_proxy.decision";

    /// <summary>Why a request was refused: one of <see cref="RefusalReasons"/>.</summary>
    public const string Reason = "mcp_auth_proxy.reason";

    /// <summary>The token's subject (<c>sub</c>, else <c>client_id</c> or <c>azp</c>): the conventions' <c>enduser.id</c>.</summary>
    public const string Subject = "enduser.id";

    /// <summary>The OAuth client the token was issued to (<c>client_id</c> or <c>azp</c>).</summary>
    public const string ClientId = "mcp_auth_proxy.client_id";

    /// <summary><c>http</c> or <c>stdio</c>: where the gateway sends MCP traffic.</summary>
    public const string UpstreamKind = "mcp_auth_proxy.upstream.kind";

    /// <summary><c>session</c> (a process per MCP session) or <c>shared</c> (one process for all).</summary>
    public const string StdioMode = "mcp_auth_proxy.stdio.mode";

    /// <summary>Why a stdio process ended: <c>stopped</c> (by the gateway) or <c>exited</c> (by itself).</summary>
    public const string ExitReason = "mcp_auth_proxy.stdio.exit_reason";

    /// <summary>The semantic conventions' process exit code.</summary>
    public const string ExitCode = "process.exit.code";

    /// <summary>Token validations: <c>valid</c>, <c>cached</c> (a recent full check reused) or <c>invalid</c>.</summary>
    public const string TokenResult = "mcp_auth_proxy.token.result";

    /// <summary>Signing key refreshes: <c>startup</c>, <c>scheduled</c> or <c>unknown_key</c> (a token named a kid not held).</summary>
    public const string RefreshTrigger = "mcp_auth_proxy.keys.trigger";

    /// <summary><c>ok</c> or <c>failed</c>.</summary>
    public const string Outcome = "mcp_auth_proxy.outcome";

    /// <summary>Which limit refused: e.g. <c>registration</c>, <c>consent</c>, <c>sessions</c>, <c>requests</c>.</summary>
    public const string RateLimit = "mcp_auth_proxy.rate_limit";

    public const string Allowed = "allowed";
    public const string Refused = "refused";
}
