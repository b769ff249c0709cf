using System.Diagnostics;
using System.Security.Claims;
using McpAuthProxy.Gateway.Authentication;
using McpAuthProxy.Gateway.Authorization;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Metadata;
using McpAuthProxy.Gateway.Transport;
using McpAuthProxy.Gateway.Upstreams;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.Gateway.Hosting;

/// <summary>
/// The front door of every MCP route: body size, token, body shape, protocol headers, session owner, scopes; then
/// the upstream. Each refusal is a JSON-RPC error carrying the request id, with the right challenge.
/// </summary>
internal sealed partial class McpEndpoint(
    GatewayEndpoints endpoints,
    ScopePolicy policy,
    SessionBindings sessions,
    IMcpUpstream upstream,
    BearerAuthenticator authenticator,
    IHostApplicationLifetime lifetime,
    ILogger<McpEndpoint> logger)
{
    private GatewaySettings Settings => endpoints.Settings;

    public async Task HandleAsync(HttpContext context, McpRoute route)
    {
        var started = Stopwatch.GetTimestamp();
        string? subject = null;
        JsonRpcBody body = JsonRpcBody.Empty;
        try
        {
            byte[]? bytes = null;
            if (HttpMethods.IsPost(context.Request.Method))
            {
                bytes = await ReadBodyAsync(context).ConfigureAwait(false);
                if (bytes is null)
                {
                    LogBodyTooLarge(context.Request.Path, Settings.MaxBodyBytes);
                    await McpErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, McpErrors.InvalidRequest,
                        $"Request body larger than {Settings.MaxBodyBytes} bytes", null).ConfigureAwait(false);
                    return;
                }

                body = JsonRpcBody.Parse(bytes);
            }

            var mcpPath = endpoints.ResourcePathFor(context.Request.Path);
            var result = await authenticator.AuthenticateAsync(context).ConfigureAwait(false);
            if (!result.Succeeded || result.Principal is null)
            {
                await ChallengeAsync(context, mcpPath, body, result).ConfigureAwait(false);
                return;
            }

            var user = result.Principal;
            context.User = user;
            subject = user.FindFirst("sub")?.Value ?? user.FindFirst("client_id")?.Value ?? user.FindFirst("azp")?.Value;
            var owner = SessionOwner(user);

            if (body.Error is { } bodyError)
            {
                // The gateway forwards only what has one reading; whatever could be read two ways is refused, saying why.
                LogBodyRefused(subject ?? "?", bodyError);
                await McpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, body.ErrorCode, $"Bad request: {bodyError}", body.FirstId).ConfigureAwait(false);
                return;
            }

            if (ProtocolHeaders.Check(context.Request, body) is { } mismatch)
            {
                LogHeaderMismatch(mismatch);
                await McpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, McpErrors.HeaderMismatch, mismatch, body.FirstId).ConfigureAwait(false);
                return;
            }

            var (sessionId, sessionProblem) = SessionDesignator.Read(context.Request);
            if (sessionProblem is not null)
            {
                LogBodyRefused(subject ?? "?", sessionProblem);
                await McpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, McpErrors.InvalidRequest, $"Bad request: {sessionProblem}", body.FirstId).ConfigureAwait(false);
                return;
            }

            var ownership = sessionId.Length > 0 ? sessions.Check(sessionId, owner) : SessionOwnership.Unknown;
            if (ownership == SessionOwnership.Other)
            {
                LogSessionOwnerMismatch(subject ?? "?");
                await McpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, McpErrors.Forbidden,
                    "Forbidden: this session belongs to another user", body.FirstId).ConfigureAwait(false);
                return;
            }

            // A request that would bind a session (a new one, or one the gateway does not know) needs room for its owner.
            if (ownership == SessionOwnership.Unknown && (sessionId.Length > 0 || OpensSession(route, context.Request, body)) && !sessions.HasRoomFor(owner))
            {
                LogSessionsFull(subject ?? "?", sessions.PerOwner);
                context.Response.Headers.RetryAfter = "60";
                await McpErrors.WriteAsync(context, StatusCodes.Status429TooManyRequests, McpErrors.InternalError,
                    $"Too many sessions: this user has {sessions.PerOwner} open MCP sessions; end some (DELETE) or wait until they idle out", body.FirstId).ConfigureAwait(false);
                return;
            }

            var granted = policy.Effective(user);
            var missing = policy.Missing(body, granted);
            if (missing.Count > 0)
            {
                var required = policy.Required(body);
                LogScopeDenied(subject ?? "?", body.Messages.FirstOrDefault()?.Method ?? "?", string.Join(' ', missing));
                context.Response.Headers.WWWAuthenticate = McpErrors.Bearer(
                    ("error", "insufficient_scope"),
                    ("scope", string.Join(' ', required.Union(granted.Intersect(policy.Rules.AllScopes())))),
                    ("resource_metadata", endpoints.ResourceMetadataUrlFor(mcpPath)),
                    ("error_description", $"missing scope: {string.Join(' ', missing)}"));
                await McpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, McpErrors.Forbidden,
                    $"Forbidden: missing required scope(s): {string.Join(", ", missing)}", body.FirstId).ConfigureAwait(false);
                return;
            }

            // A GET stream never ends by itself: at shutdown it is closed at once (clients reconnect), while POSTs in
            // flight get the grace period to finish.
            using var stopping = HttpMethods.IsGet(context.Request.Method)
                ? lifetime.ApplicationStopping.Register(static c => ((HttpContext)c!).Abort(), context)
                : default(CancellationTokenRegistration?);
            await upstream.ForwardAsync(new McpCall(context, route, body, bytes, user, owner, granted, policy)
            {
                SessionId = sessionId,
                SessionBound = ownership == SessionOwnership.Owner,
            }).ConfigureAwait(false);
        }
        finally
        {
            var message = body.Messages.FirstOrDefault();
            LogRequest(context.Request.Method, context.Request.Path, subject ?? "-", message?.Method ?? "-",
                message?.Name ?? "-",
                context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>
    /// Who a session belongs to: the issuer and the user (<c>sub</c>), or, for a token without a user, the client. The two
    /// kinds never meet: a client whose id equals some user's subject does not get that user's sessions.
    /// </summary>
    internal static string SessionOwner(ClaimsPrincipal user)
    {
        var issuer = user.FindFirst("iss")?.Value;
        return user.FindFirst("sub")?.Value is { } sub
            ? $"{issuer}|sub:{sub}"
            : $"{issuer}|client:{user.FindFirst("client_id")?.Value ?? user.FindFirst("azp")?.Value}";
    }

    /// <summary>True for what opens a session: a legacy SSE stream, or a POST carrying <c>initialize</c>.</summary>
    private static bool OpensSession(McpRoute route, HttpRequest request, JsonRpcBody body) =>
        route == McpRoute.LegacySse || (HttpMethods.IsPost(request.Method) && body.Messages.Any(m => m.Method == "initialize"));

    private async Task ChallengeAsync(HttpContext context, string mcpPath, JsonRpcBody body, AuthenticateResult result)
    {
        if (result.Failure is IssuerUnavailableException unavailable)
        {
            // Not the client's fault, and not a verdict on its token: the gateway cannot check any token yet.
            LogTokenUncheckable(unavailable.KeySource);
            context.Response.Headers.RetryAfter = "5";
            await McpErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, McpErrors.InternalError,
                $"Service Unavailable: the gateway cannot reach the token issuer ({unavailable.KeySource}) to check tokens; retry shortly", body.FirstId).ConfigureAwait(false);
            return;
        }

        var scopes = policy.Required(body).Union(policy.RequiredFor("initialize", null)).ToList();
        var invalid = result.Failure is not null;
        string? description = null;
        if (invalid)
        {
            description = result.Failure switch
            {
                SecurityTokenExpiredException => "the token expired",
                SecurityTokenNotYetValidException => "the token is not valid yet",
                SecurityTokenInvalidAudienceException => "the token is not for this resource",
                SecurityTokenInvalidIssuerException => "the token is from another issuer",
                SecurityTokenSignatureKeyNotFoundException => "the token's signing key is unknown",
                SecurityTokenInvalidAlgorithmException => "the token's algorithm is not allowed",
                SecurityTokenInvalidSignatureException => "the token's signature is invalid",
                SecurityTokenNoExpirationException => "the token has no expiry",
                TokenShapeException shape => shape.Message,
                _ => "the token is invalid",
            };
            LogTokenRejected(description, result.Failure?.GetType().Name ?? "?");
        }

        context.Response.Headers.WWWAuthenticate = McpErrors.Bearer(
            ("resource_metadata", endpoints.ResourceMetadataUrlFor(mcpPath)),
            ("scope", scopes.Count > 0 ? string.Join(' ', scopes) : null),
            ("error", invalid ? "invalid_token" : null),
            ("error_description", description));
        await McpErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, McpErrors.Unauthorized,
            invalid ? $"Unauthorized: {description}" : "Unauthorized: a bearer token is required", body.FirstId).ConfigureAwait(false);
    }

    /// <summary>Reads the whole POST body, up to the limit; null when it is larger.</summary>
    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        var limit = Settings.MaxBodyBytes;
        var declared = context.Request.ContentLength;
        if (declared > limit)
        {
            return null;
        }

        var body = context.Request.Body;
        if (declared is { } length)
        {
            // The usual case: the length is known, so read straight into an array of that size.
            var exact = new byte[length];
            await body.ReadExactlyAsync(exact, context.RequestAborted).ConfigureAwait(false);
            return exact;
        }

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    [LoggerMessage(Diagnostics.EventIds.RequestCompleted, LogLevel.Information,
        "{HttpMethod} {Path} subject={Subject} method={McpMethod} tool={Tool} status={Status} latency_ms={LatencyMs:F1}")]
    private partial void LogRequest(string httpMethod, string path, string subject, string mcpMethod, string tool, int status, double latencyMs);

    [LoggerMessage(Diagnostics.EventIds.TokenUncheckable, LogLevel.Debug, "A token could not be checked: no signing keys from {Source} yet (503).")]
    private partial void LogTokenUncheckable(string source);

    [LoggerMessage(Diagnostics.EventIds.TokenRejected, LogLevel.Information, "Token rejected: {Reason} ({Exception}).")]
    private partial void LogTokenRejected(string reason, string exception);

    [LoggerMessage(Diagnostics.EventIds.ScopeDenied, LogLevel.Information, "Subject {Subject} lacks scope(s) {Missing} for {McpMethod}.")]
    private partial void LogScopeDenied(string subject, string mcpMethod, string missing);

    [LoggerMessage(Diagnostics.EventIds.SessionOwnerMismatch, LogLevel.Warning, "Subject {Subject} presented a session id bound to another subject.")]
    private partial void LogSessionOwnerMismatch(string subject);

    [LoggerMessage(Diagnostics.EventIds.SessionsFull, LogLevel.Warning, "Subject {Subject} has {Max} open MCP sessions; a new one was refused.")]
    private partial void LogSessionsFull(string subject, int max);

    [LoggerMessage(Diagnostics.EventIds.HeaderMismatch, LogLevel.Information, "Header mismatch: {Problem}.")]
    private partial void LogHeaderMismatch(string problem);

    [LoggerMessage(Diagnostics.EventIds.BodyRefused, LogLevel.Information, "Refused a request of subject {Subject}: {Problem}.")]
    private partial void LogBodyRefused(string subject, string problem);

    [LoggerMessage(Diagnostics.EventIds.BodyTooLarge, LogLevel.Information, "Body on {Path} is larger than {Limit} bytes.")]
    private partial void LogBodyTooLarge(string path, long limit);
}
