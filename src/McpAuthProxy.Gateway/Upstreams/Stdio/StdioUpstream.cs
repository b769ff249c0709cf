using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Metadata;
using McpAuthProxy.Gateway.Transport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Gateway.Upstreams.Stdio;

/// <summary>
/// A stdio MCP server exposed as Streamable HTTP: one process per MCP session (spawned directly, no shell), up to
/// <c>stdio.max_sessions</c>; the session ends (and its process tree is stopped) on DELETE or shutdown. With
/// <c>stdio.shared_process</c> every session talks to one <see cref="SharedStdioProcess"/>, stopped only on shutdown.
/// </summary>
internal sealed partial class StdioUpstream(GatewaySettings settings, GatewayEndpoints endpoints, SessionBindings bindings, ILoggerFactory loggerFactory, ILogger<StdioUpstream> logger)
    : IMcpUpstream, IHostedService, IAsyncDisposable
{
    internal static readonly JsonTypeInfo<JsonRpcMessage> MessageType = (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));

    private readonly ConcurrentDictionary<string, StdioSession> _sessions = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _createGate = new(1, 1);
    private readonly SharedStdioProcess? _shared = settings.StdioSharedProcess
        ? new SharedStdioProcess(settings, loggerFactory, loggerFactory.CreateLogger<SharedStdioProcess>())
        : null;

    public int SessionCount => _sessions.Count;

    private string ProcessFate => _shared is null ? "its process was stopped" : "the shared process keeps running";

    /// <summary>With <c>stdio.shared_process</c>: how many times the shared process was started (0 otherwise).</summary>
    public int SharedProcessStarts => _shared?.Starts ?? 0;

    public async Task ForwardAsync(McpCall call)
    {
        if (call.Route == McpRoute.LegacySse)
        {
            await RunLegacyStreamAsync(call).ConfigureAwait(false);
            return;
        }

        if (call.Route == McpRoute.LegacyMessages)
        {
            await ReceiveLegacyMessageAsync(call).ConfigureAwait(false);
            return;
        }

        var context = call.Context;
        var sessionId = call.SessionId;
        if (HttpMethods.IsDelete(context.Request.Method))
        {
            if (_sessions.TryRemove(sessionId, out var ended))
            {
                bindings.Forget(sessionId);
                await ended.DisposeAsync().ConfigureAwait(false);
                LogSessionClosed(sessionId, ProcessFate);
                context.Response.StatusCode = StatusCodes.Status200OK;
                return;
            }

            await McpErrors.WriteAsync(context, StatusCodes.Status404NotFound, -32001, "Session not found", null).ConfigureAwait(false);
            return;
        }

        StdioSession? session = null;
        if (sessionId.Length > 0 && !_sessions.TryGetValue(sessionId, out session))
        {
            await McpErrors.WriteAsync(context, StatusCodes.Status404NotFound, -32001, "Session not found", call.Body.FirstId).ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsGet(context.Request.Method))
        {
            if (session is null)
            {
                await McpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, McpErrors.InvalidRequest, "Bad Request: Mcp-Session-Id is required", null).ConfigureAwait(false);
                return;
            }

            context.Response.Headers["Mcp-Session-Id"] = session.Id;
            PrepareEventStream(context);
            using (session.Enter())
            {
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                await session.HandleGetAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
            }

            return;
        }

        if (call.Body.IsBatch || call.BodyBytes is null)
        {
            await McpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, McpErrors.InvalidRequest, "Bad Request: send one JSON-RPC message per POST", null).ConfigureAwait(false);
            return;
        }

        JsonRpcMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(call.BodyBytes, MessageType);
        }
        catch (JsonException)
        {
            message = null;
        }

        if (message is null)
        {
            await McpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, McpErrors.InvalidRequest, "Bad Request: not a JSON-RPC message", call.Body.FirstId).ConfigureAwait(false);
            return;
        }

        if (session is null)
        {
            if (message is not JsonRpcRequest { Method: RequestMethods.Initialize })
            {
                await McpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, McpErrors.InvalidRequest,
                    "Bad Request: Mcp-Session-Id is required (send initialize first)", call.Body.FirstId).ConfigureAwait(false);
                return;
            }

            session = await CreateSessionAsync(call, initialize: (JsonRpcRequest)message).ConfigureAwait(false);
            if (session is null)
            {
                return;
            }
        }

        context.Response.Headers["Mcp-Session-Id"] = session.Id;
        if (message is JsonRpcRequest { Method: not RequestMethods.Initialize } request && AcceptsJson(context.Request))
        {
            using (session.Enter())
            {
                await session.HandleRequestAsync(request, context.Response, call.User, context.RequestAborted).ConfigureAwait(false);
            }

            return;
        }

        PrepareEventStream(context);
        message.Context = new JsonRpcMessageContext { User = call.User };
        using (session.Enter())
        {
            if (!await session.HandlePostAsync(message, context.Response.Body, context.RequestAborted).ConfigureAwait(false))
            {
                context.Response.ContentType = null;
                context.Response.StatusCode = StatusCodes.Status202Accepted;
            }
        }
    }

    /// <summary>Legacy HTTP+SSE GET: a session (and its process) that lives as long as this stream.</summary>
    private async Task RunLegacyStreamAsync(McpCall call)
    {
        var context = call.Context;
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var endpoint = $"{endpoints.PublicBase}{settings.MessagesPath}?sessionId={id}";
        PrepareEventStream(context);
        var session = await CreateSessionAsync(call, id, (context.Response.Body, endpoint)).ConfigureAwait(false);
        if (session is null)
        {
            return;
        }

        try
        {
            await session.RunLegacyStreamAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (_sessions.TryRemove(id, out _))
            {
                bindings.Forget(id);
                await session.DisposeAsync().ConfigureAwait(false);
                LogSessionClosed(id, ProcessFate);
            }
        }
    }

    /// <summary>Legacy HTTP+SSE POST to the messages endpoint: the answer goes out on the session's GET stream.</summary>
    private async Task ReceiveLegacyMessageAsync(McpCall call)
    {
        var context = call.Context;
        if (!_sessions.TryGetValue(call.SessionId, out var session) || !session.IsLegacy)
        {
            await McpErrors.WriteAsync(context, StatusCodes.Status404NotFound, -32001, "Session not found", call.Body.FirstId).ConfigureAwait(false);
            return;
        }

        JsonRpcMessage? message = null;
        try
        {
            message = call.BodyBytes is { } bytes && !call.Body.IsBatch ? JsonSerializer.Deserialize(bytes, MessageType) : null;
        }
        catch (JsonException)
        {
        }

        if (message is null)
        {
            await McpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, McpErrors.InvalidRequest, "Bad Request: send one JSON-RPC message per POST", call.Body.FirstId).ConfigureAwait(false);
            return;
        }

        message.Context = new JsonRpcMessageContext { User = call.User };
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsync("Accepted", context.RequestAborted).ConfigureAwait(false);
        await session.ReceiveLegacyMessageAsync(message, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task<StdioSession?> CreateSessionAsync(McpCall call, string? legacyId = null, (Stream, string)? legacyStream = null, JsonRpcRequest? initialize = null)
    {
        await _createGate.WaitAsync(call.Context.RequestAborted).ConfigureAwait(false);
        try
        {
            // One subject may not take every process: past its share, it gets 429 and the others keep theirs.
            if (_sessions.Values.Count(s => s.Owner == call.Owner) >= settings.StdioMaxSessionsPerSubject)
            {
                LogSubjectSessionLimit(settings.StdioMaxSessionsPerSubject);
                call.Context.Response.Headers.RetryAfter = "60";
                await McpErrors.WriteAsync(call.Context, StatusCodes.Status429TooManyRequests, McpErrors.InternalError,
                    $"Too many sessions: this user already has {settings.StdioMaxSessionsPerSubject} MCP sessions; end one (DELETE) or wait until it idles out", call.Body.FirstId).ConfigureAwait(false);
                return null;
            }

            if (_sessions.Count >= settings.StdioMaxSessions)
            {
                LogSessionLimit(settings.StdioMaxSessions);
                call.Context.Response.Headers.RetryAfter = "5";
                await McpErrors.WriteAsync(call.Context, StatusCodes.Status503ServiceUnavailable, McpErrors.InternalError,
                    $"Service Unavailable: the gateway already runs {settings.StdioMaxSessions} MCP sessions", call.Body.FirstId).ConfigureAwait(false);
                return null;
            }

            var id = legacyId ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var session = new StdioSession(id, settings, call.Policy, loggerFactory, loggerFactory.CreateLogger<StdioSession>(), legacyStream, _shared) { Owner = call.Owner };
            try
            {
                if (_shared is not null)
                {
                    await _shared.EnsureStartedAsync(initialize?.Params, call.Context.RequestAborted).ConfigureAwait(false);
                }

                await session.StartAsync(call.Context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                await session.DisposeAsync().ConfigureAwait(false);
                LogStartFailed(settings.StdioCommand.FirstOrDefault() ?? "?", ex.Message);
                await McpErrors.WriteAsync(call.Context, StatusCodes.Status502BadGateway, McpErrors.InternalError,
                    "Bad Gateway: the MCP server process could not be started", call.Body.FirstId).ConfigureAwait(false);
                return null;
            }

            if (!bindings.Bind(id, call.Owner))
            {
                await session.DisposeAsync().ConfigureAwait(false);
                call.Context.Response.Headers.RetryAfter = "60";
                await McpErrors.WriteAsync(call.Context, StatusCodes.Status429TooManyRequests, McpErrors.InternalError,
                    "Too many sessions: end some (DELETE) or wait until they idle out", call.Body.FirstId).ConfigureAwait(false);
                return null;
            }

            _sessions[id] = session;
            return session;
        }
        finally
        {
            _createGate.Release();
        }
    }

    private static bool AcceptsJson(HttpRequest request)
    {
        foreach (var value in request.Headers.Accept)
        {
            if (value is not null && value.Contains("application/json", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static void PrepareEventStream(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache,no-store";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    private readonly CancellationTokenSource _stopping = new();
    private Task _reaper = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _reaper = ReapIdleSessionsAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <summary>Ends Streamable HTTP sessions nobody used for <c>stdio.session_idle_seconds</c> (legacy SSE sessions end with their stream).</summary>
    private async Task ReapIdleSessionsAsync(CancellationToken cancellationToken)
    {
        var idle = settings.StdioSessionIdle;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(idle.TotalMilliseconds / 4, 100, 30_000)));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var (id, session) in _sessions)
                {
                    if (!session.IsLegacy && session.IsIdleFor(idle) && _sessions.TryRemove(id, out _))
                    {
                        bindings.Forget(id);
                        await session.DisposeAsync().ConfigureAwait(false);
                        LogSessionIdle(id, idle.TotalSeconds, ProcessFate);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _reaper.ConfigureAwait(false);
        await DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _sessions.Keys.ToList())
        {
            if (_sessions.TryRemove(id, out var session))
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (_shared is not null)
        {
            await _shared.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Diagnostics.EventIds.StdioSessionIdle, LogLevel.Information, "MCP session {SessionId} was idle for {Seconds} s; {Process}.")]
    private partial void LogSessionIdle(string sessionId, double seconds, string process);

    [LoggerMessage(Diagnostics.EventIds.StdioSubjectSessionLimit, LogLevel.Warning, "Refused a new MCP session: its subject already has {Max} (stdio.max_sessions_per_subject).")]
    private partial void LogSubjectSessionLimit(int max);

    [LoggerMessage(Diagnostics.EventIds.StdioSessionLimit, LogLevel.Warning, "Refused a new MCP session: {Max} sessions are running (stdio.max_sessions).")]
    private partial void LogSessionLimit(int max);

    [LoggerMessage(Diagnostics.EventIds.StdioSessionClosed, LogLevel.Information, "MCP session {SessionId} closed; {Process}.")]
    private partial void LogSessionClosed(string sessionId, string process);

    [LoggerMessage(Diagnostics.EventIds.StdioPumpFailed, LogLevel.Error, "Could not start '{Command}': {Reason}")]
    private partial void LogStartFailed(string command, string reason);
}
