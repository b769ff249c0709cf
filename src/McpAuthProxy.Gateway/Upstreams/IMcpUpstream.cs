using System.Security.Claims;
using McpAuthProxy.Gateway.Authorization;
using McpAuthProxy.Gateway.Transport;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Gateway.Upstreams;

/// <summary>Which MCP route a request came in on.</summary>
internal enum McpRoute
{
    StreamableHttp,
    LegacySse,
    LegacyMessages,
    Mapped,
}

/// <summary>An authenticated, authorized MCP request, read just enough to decide; the upstream moves the bytes.</summary>
internal sealed record McpCall(
    HttpContext Context,
    McpRoute Route,
    JsonRpcBody Body,
    byte[]? BodyBytes,
    ClaimsPrincipal User,
    string Owner,
    IReadOnlySet<string> Granted,
    ScopePolicy Policy)
{
    /// <summary>The session the request names (<see cref="Transport.SessionDesignator"/>), or "".</summary>
    public string SessionId { get; init; } = "";

    /// <summary>True when <see cref="SessionId"/> is bound to the caller; false for a new or unknown session.</summary>
    public bool SessionBound { get; init; }

    /// <summary>True when the body asks for a list the caller's scopes may shorten (tools, prompts, resources, templates).</summary>
    public bool AsksForList => Body.Messages.Any(m => Authorization.ListFilter.IsListMethod(m.Method));
}

/// <summary>Where authorized MCP traffic goes: an HTTP server (YARP) or a stdio process per session.</summary>
internal interface IMcpUpstream
{
    Task ForwardAsync(McpCall call);
}
