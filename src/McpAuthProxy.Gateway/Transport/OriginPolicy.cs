using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.Transport;

/// <summary>
/// The <c>Origin</c> rule and CORS from <c>cors.*</c>: a request without <c>Origin</c> passes (non-browser clients); a
/// present origin that is not listed gets 403 on MCP routes and on preflights; listed origins get CORS headers that
/// allow the MCP headers and expose <c>Mcp-Session-Id</c> and <c>WWW-Authenticate</c>. Metadata documents are public.
/// </summary>
internal sealed partial class OriginPolicy(GatewaySettings settings, GatewayEndpoints endpoints, ILogger<OriginPolicy> logger)
{
    private static readonly string[] McpHeaders =
        ["Authorization", "Content-Type", "Accept", "Mcp-Session-Id", "MCP-Protocol-Version", "Mcp-Method", "Mcp-Name", "Last-Event-ID"];

    private const string ExposedHeaders = "Mcp-Session-Id, WWW-Authenticate, MCP-Protocol-Version";

    private readonly string _allowedHeaders = string.Join(", ", McpHeaders.Concat(settings.AllowedHeaders).Distinct(StringComparer.OrdinalIgnoreCase));
    private readonly string _allowedMethods = string.Join(", ", settings.AllowedMethods.Concat(["GET", "POST", "DELETE", "OPTIONS"]).Distinct(StringComparer.OrdinalIgnoreCase));

    /// <summary>A listed origin, or the gateway's own (its consent form posts to itself).</summary>
    public bool IsAllowed(string origin) =>
        settings.AllowedOrigins.Contains("*") || settings.AllowedOrigins.Contains(origin.TrimEnd('/'), StringComparer.OrdinalIgnoreCase)
        || string.Equals(origin.TrimEnd('/'), endpoints.PublicOrigin, StringComparison.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var origin = context.Request.Headers.Origin.ToString();
        var isMetadata = context.Request.Path.StartsWithSegments("/.well-known", StringComparison.Ordinal);
        var isPreflight = HttpMethods.IsOptions(context.Request.Method);
        var headers = context.Response.Headers;

        if (isMetadata)
        {
            headers.AccessControlAllowOrigin = "*";
            if (isPreflight)
            {
                headers.AccessControlAllowMethods = "GET, OPTIONS";
                headers.AccessControlAllowHeaders = context.Request.Headers.AccessControlRequestHeaders.Count > 0
                    ? context.Request.Headers.AccessControlRequestHeaders.ToString() : "MCP-Protocol-Version";
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }

            await next(context).ConfigureAwait(false);
            return;
        }

        if (origin.Length > 0 && !IsAllowed(origin))
        {
            LogOriginRejected(origin, context.Request.Path);
            await McpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, McpErrors.Forbidden, "Forbidden: origin not allowed", null).ConfigureAwait(false);
            return;
        }

        if (origin.Length > 0)
        {
            headers.AccessControlAllowOrigin = origin;
            headers.Vary = "Origin";
            headers.AccessControlExposeHeaders = ExposedHeaders;
            if (settings.AllowCredentials)
            {
                headers.AccessControlAllowCredentials = "true";
            }
        }

        if (isPreflight)
        {
            headers.AccessControlAllowMethods = _allowedMethods;
            var requested = context.Request.Headers.AccessControlRequestHeaders.ToString()
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(h => h.StartsWith("Mcp-Param-", StringComparison.OrdinalIgnoreCase));
            headers.AccessControlAllowHeaders = string.Join(", ", new[] { _allowedHeaders }.Concat(requested));
            headers.AccessControlMaxAge = "600";
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    [LoggerMessage(Diagnostics.EventIds.OriginRejected, LogLevel.Warning, "Refused origin {Origin} on {Path}.")]
    private partial void LogOriginRejected(string origin, string path);
}
