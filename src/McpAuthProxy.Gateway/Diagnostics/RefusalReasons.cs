namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>
/// Why the gateway refused an MCP request: the values of <c>mcp_auth_proxy.reason</c> on spans, on the decision counter
/// and in the audit log. A fixed set, so dashboards can list them.
/// </summary>
internal static class RefusalReasons
{
    /// <summary>401 without a bearer token.</summary>
    public const string MissingToken = "missing_token";

    /// <summary>401 for a token that failed validation (expired, wrong audience, unknown key...).</summary>
    public const string InvalidToken = "invalid_token";

    /// <summary>403 <c>insufficient_scope</c>.</summary>
    public const string InsufficientScope = "insufficient_scope";

    /// <summary>403 for a session id bound to another subject.</summary>
    public const string SessionNotOwned = "session_not_owned";

    /// <summary>403 for an Origin not listed.</summary>
    public const string OriginNotAllowed = "origin_not_allowed";

    /// <summary>400 for <c>Mcp-Method</c>/<c>Mcp-Name</c> headers that disagree with the body.</summary>
    public const string HeaderMismatch = "header_mismatch";

    /// <summary>400 for a body that is not JSON-RPC.</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>413.</summary>
    public const string BodyTooLarge = "body_too_large";

    /// <summary>429 or 503 from a limit (sessions per subject, requests per address...).</summary>
    public const string RateLimited = "rate_limited";
}
