using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpAuthProxy.Gateway.Authorization;
using McpAuthProxy.Gateway.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpAuthProxy.Gateway.Upstreams.Stdio;

/// <summary>
/// One MCP session: a <see cref="StreamableHttpServerTransport"/> toward HTTP clients pumped to and from a
/// <see cref="StdioClientTransport"/> toward one process. Responses go back on the POST that asked; a crashed process
/// fails its pending requests with errors and is restarted with backoff (replaying <c>initialize</c>). With a
/// <see cref="SharedStdioProcess"/> the session owns no process: it answers <c>initialize</c> from the shared result and
/// hands everything else to the shared process, which routes answers back here.
/// </summary>
internal sealed partial class StdioSession : IAsyncDisposable
{
    private const string ReinitializePrefix = "gateway-reinitialize-";

    private readonly GatewaySettings _settings;
    private readonly ScopePolicy _policy;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<StdioSession> _logger;
    private readonly ITransport _server;
    private readonly StreamableHttpServerTransport? _streamable;
    private readonly SseResponseStreamTransport? _legacy;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly SharedStdioProcess? _shared;
    private string? _sharedPrefix;
    private ITransport? _process;
    private JsonRpcRequest? _initialize;
    private bool _initializedSent;
    private int _restarts;
    private Task _serverPump = Task.CompletedTask;
    private Task _processPump = Task.CompletedTask;
    private bool _disposed;

    private sealed record Pending(ITransport? Related, string Method, ScopePolicyGrant Grant);

    private sealed record ScopePolicyGrant(IReadOnlySet<string> Scopes);

    /// <param name="legacyStream">For a legacy HTTP+SSE session: the GET response body and the endpoint to announce; null for Streamable HTTP.</param>
    /// <param name="shared">With <c>stdio.shared_process</c>: the process all sessions share; null for a process of its own.</param>
    public StdioSession(string id, GatewaySettings settings, ScopePolicy policy, ILoggerFactory loggerFactory, ILogger<StdioSession> logger,
        (Stream Body, string Endpoint)? legacyStream = null, SharedStdioProcess? shared = null)
    {
        Id = id;
        _shared = shared;
        _settings = settings;
        _policy = policy;
        _loggerFactory = loggerFactory;
        _logger = logger;
        if (legacyStream is { } legacy)
        {
            _legacy = new SseResponseStreamTransport(legacy.Body, legacy.Endpoint, id);
            _server = _legacy;
        }
        else
        {
            _streamable = new StreamableHttpServerTransport(loggerFactory) { SessionId = id };
            _server = _streamable;
        }
    }

    public bool IsLegacy => _legacy is not null;

    /// <summary>The session's owner (issuer and subject), for the per-subject limit.</summary>
    public string Owner { get; init; } = "";

    /// <summary>Requests one session may have waiting for the process at once; more get an error at once.</summary>
    public const int MaxInFlight = 64;

    /// <summary>Legacy HTTP+SSE: writes the endpoint event, then every message, until the client goes away.</summary>
    public Task RunLegacyStreamAsync(CancellationToken cancellationToken) => _legacy!.RunAsync(cancellationToken);

    /// <summary>Legacy HTTP+SSE: a message POSTed to the messages endpoint.</summary>
    public Task ReceiveLegacyMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken) =>
        _legacy!.OnMessageReceivedAsync(message, cancellationToken);

    public string Id { get; }

    private long _lastActivity = Environment.TickCount64;
    private int _activeRequests;

    /// <summary>Marks a request in progress on this session; dispose the result when it ends.</summary>
    public ActivityScope Enter()
    {
        Interlocked.Increment(ref _activeRequests);
        Interlocked.Exchange(ref _lastActivity, Environment.TickCount64);
        return new ActivityScope(this);
    }

    /// <summary>True when no request is in progress and none came for <paramref name="idle"/>.</summary>
    public bool IsIdleFor(TimeSpan idle) =>
        Volatile.Read(ref _activeRequests) == 0 && Environment.TickCount64 - Interlocked.Read(ref _lastActivity) >= (long)idle.TotalMilliseconds;

    public readonly struct ActivityScope(StdioSession session) : IDisposable
    {
        public void Dispose()
        {
            Interlocked.Exchange(ref session._lastActivity, Environment.TickCount64);
            Interlocked.Decrement(ref session._activeRequests);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_shared is { } shared)
        {
            _sharedPrefix = shared.Attach(this);
            _serverPump = PumpToProcessAsync();
            return;
        }

        _process = await ConnectProcessAsync(cancellationToken).ConfigureAwait(false);
        _processPump = PumpFromProcessAsync(_process);
        _serverPump = PumpToProcessAsync();
    }

    private async Task<ITransport> ConnectProcessAsync(CancellationToken cancellationToken)
    {
        var connected = await ConnectProcessAsync(_settings, $"mcp-session-{Id[..8]}", _loggerFactory, line => LogProcessStderr(Id[..8], line), cancellationToken)
            .ConfigureAwait(false);
        LogStarted(_settings.StdioCommand[0], Id[..8]);
        return connected;
    }

    /// <summary>
    /// Starts <c>stdio.user_command</c> (directly, no shell) in <c>stdio.work_dir</c>, with the environment of
    /// <see cref="ChildEnvironment"/>: the gateway's without its secrets, plus <c>stdio.env</c>.
    /// </summary>
    internal static async Task<ITransport> ConnectProcessAsync(GatewaySettings settings, string name, ILoggerFactory loggerFactory, Action<string> stderr,
        CancellationToken cancellationToken)
    {
        var command = settings.StdioCommand;
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = name,
            Command = command[0],
            Arguments = command.Skip(1).ToList(),
            WorkingDirectory = settings.Config.Stdio.WorkDir,
            EnvironmentVariables = ChildEnvironment.For(settings.Config),
            InheritEnvironmentVariables = false,
            ShutdownTimeout = TimeSpan.FromSeconds(5),
            StandardErrorLines = stderr,
        }, loggerFactory);
        return await transport.ConnectAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> HandlePostAsync(JsonRpcMessage message, Stream response, CancellationToken cancellationToken) =>
        _streamable!.HandlePostRequestAsync(message, response, cancellationToken);

    /// <summary>
    /// A request from a client that accepts JSON, without the SDK's POST transport and its hand-offs: recorded as
    /// pending, written straight to the process, and answered through a <see cref="JsonResponseTransport"/> (one JSON
    /// body, or SSE when the process sends something else first). <c>initialize</c> stays on the SDK's path.
    /// </summary>
    public async Task HandleRequestAsync(JsonRpcRequest request, HttpResponse response, ClaimsPrincipal? user, CancellationToken cancellationToken)
    {
        var answer = new JsonResponseTransport(response, request.Id, Id);
        if (_pending.Count >= MaxInFlight)
        {
            await RefuseBusyAsync(answer, request.Id).ConfigureAwait(false);
            return;
        }

        var key = request.Id.ToString();
        var pending = NewPending(answer, request.Method, user);
        _pending[key] = pending;
        try
        {
            await SendToProcessAsync(request).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            if (_pending.TryRemove(new KeyValuePair<string, Pending>(key, pending)))
            {
                await ReplyErrorAsync(pending, request.Id, "The MCP server process is not running; retry shortly").ConfigureAwait(false);
            }
        }

        try
        {
            await answer.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _pending.TryRemove(new KeyValuePair<string, Pending>(key, pending));
            if (!cancellationToken.IsCancellationRequested && !response.HasStarted)
            {
                response.StatusCode = StatusCodes.Status404NotFound;
                response.ContentType = "application/json";
                await response.WriteAsync(JsonSerializer.Serialize<JsonRpcMessage>(new JsonRpcError
                {
                    Id = request.Id,
                    Error = new JsonRpcErrorDetail { Code = -32001, Message = "Session not found: the MCP session ended before the server answered" },
                }, StdioUpstream.MessageType), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public async Task HandleGetAsync(Stream response, CancellationToken cancellationToken)
    {
        try
        {
            await _streamable!.HandleGetRequestAsync(response, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>HTTP client -> process.</summary>
    private async Task PumpToProcessAsync()
    {
        try
        {
            await foreach (var message in _server.MessageReader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                var related = message.Context?.RelatedTransport;
                var user = message.Context?.User;
                if (_shared is not null)
                {
                    if (message is JsonRpcRequest { Method: RequestMethods.Initialize } initialize)
                    {
                        // The shared process was initialized once by the gateway: answer from its cached result.
                        await SendToClientAsync(related, _shared.InitializeResultFor(initialize) is { } result
                            ? new JsonRpcResponse { Id = initialize.Id, Result = result }
                            : new JsonRpcError
                            {
                                Id = initialize.Id,
                                Error = new JsonRpcErrorDetail { Code = (int)McpErrorCode.InternalError, Message = "The MCP server process is not running; retry shortly" },
                            }).ConfigureAwait(false);
                        continue;
                    }

                    if (message is JsonRpcNotification { Method: NotificationMethods.InitializedNotification })
                    {
                        continue;
                    }
                }

                if (message is JsonRpcRequest request)
                {
                    if (_pending.Count >= MaxInFlight)
                    {
                        await RefuseBusyAsync(related, request.Id).ConfigureAwait(false);
                        continue;
                    }

                    if (request.Method == RequestMethods.Initialize)
                    {
                        _initialize = request;
                    }

                    _pending[request.Id.ToString()] = NewPending(related, request.Method, user);
                }
                else if (message is JsonRpcNotification { Method: NotificationMethods.InitializedNotification })
                {
                    _initializedSent = true;
                }

                // The message goes to the process without its HTTP context.
                message.Context = null;
                try
                {
                    await SendToProcessAsync(message).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
                {
                    if (message is JsonRpcRequest failed && _pending.TryRemove(failed.Id.ToString(), out var pending))
                    {
                        await ReplyErrorAsync(pending, failed.Id, "The MCP server process is not running; retry shortly").ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>A request in flight: where its answer goes, and the caller's scopes (to filter a <c>tools/list</c>).</summary>
    private Pending NewPending(ITransport? related, string method, ClaimsPrincipal? user) =>
        new(related, method, new ScopePolicyGrant(user is null ? new HashSet<string>() : _policy.Effective(user)));

    /// <summary>
    /// To this session's process, or through the shared one. With the session's token, not a request's: a client that
    /// goes away must not cut a line to the process in half.
    /// </summary>
    private Task SendToProcessAsync(JsonRpcMessage message) =>
        _shared is { } shared
            ? shared.SendAsync(this, _sharedPrefix!, message, _stopping.Token)
            : (_process ?? throw new InvalidOperationException("no process")).SendMessageAsync(message, _stopping.Token);

    /// <summary>Process -> HTTP client; on exit, fail what is pending and restart.</summary>
    private async Task PumpFromProcessAsync(ITransport process)
    {
        try
        {
            await foreach (var message in process.MessageReader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                if (message is JsonRpcMessageWithId withId and (JsonRpcResponse or JsonRpcError)
                    && withId.Id.ToString().StartsWith(ReinitializePrefix, StringComparison.Ordinal))
                {
                    continue;
                }

                await RouteFromProcessAsync(message).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            LogPumpFailed(Id[..8], ex.Message);
        }

        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        LogExited(Id[..8]);
        foreach (var key in _pending.Keys.ToList())
        {
            if (_pending.TryRemove(key, out var pending))
            {
                await ReplyErrorAsync(pending, ParseId(key), "The MCP server process exited").ConfigureAwait(false);
            }
        }

        await RestartAsync().ConfigureAwait(false);
    }

    /// <summary>A message from the process (own or shared, ids already restored) to this session's client.</summary>
    private async Task RouteFromProcessAsync(JsonRpcMessage message)
    {
        if (message is JsonRpcMessageWithId withId and (JsonRpcResponse or JsonRpcError) && _pending.TryRemove(withId.Id.ToString(), out var pending))
        {
            if (_policy.FiltersLists && ListFilter.IsListMethod(pending.Method) && message is JsonRpcResponse { Result: JsonObject result })
            {
                ListFilter.FilterResult(result, _policy, pending.Grant.Scopes);
            }

            await SendToClientAsync(pending.Related, message).ConfigureAwait(false);
            return;
        }

        // Server-initiated requests and notifications: on the latest open POST stream, else the GET stream.
        var latest = _pending.Values.LastOrDefault(p => p.Related is not null)?.Related;
        await SendToClientAsync(latest, message).ConfigureAwait(false);
    }

    /// <summary>Shared process: a response (id restored), a notification or a server request for this session.</summary>
    public Task DeliverFromSharedAsync(JsonRpcMessage message) => _disposed ? Task.CompletedTask : RouteFromProcessAsync(message);

    /// <summary>Shared process: the process exited while <paramref name="id"/> was in flight.</summary>
    public async Task FailFromSharedAsync(RequestId id, string reason)
    {
        if (!_disposed && _pending.TryRemove(id.ToString(), out var pending))
        {
            await ReplyErrorAsync(pending, id, reason).ConfigureAwait(false);
        }
    }

    private async Task RestartAsync()
    {
        while (!_stopping.IsCancellationRequested && _restarts < _settings.StdioMaxRestarts)
        {
            _restarts++;
            var delay = TimeSpan.FromMilliseconds(250 * Math.Pow(2, _restarts - 1));
            LogRestarting(Id[..8], _restarts, delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
                var process = await ConnectProcessAsync(_stopping.Token).ConfigureAwait(false);
                if (_initialize is { } initialize)
                {
                    await process.SendMessageAsync(new JsonRpcRequest
                    {
                        Id = new RequestId(ReinitializePrefix + _restarts),
                        Method = initialize.Method,
                        Params = initialize.Params,
                    }, _stopping.Token).ConfigureAwait(false);
                    if (_initializedSent)
                    {
                        await process.SendMessageAsync(new JsonRpcNotification { Method = NotificationMethods.InitializedNotification }, _stopping.Token).ConfigureAwait(false);
                    }
                }

                var old = _process;
                _process = process;
                if (old is not null)
                {
                    await old.DisposeAsync().ConfigureAwait(false);
                }

                _processPump = PumpFromProcessAsync(process);
                return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                LogPumpFailed(Id[..8], ex.Message);
            }
        }
    }

    /// <summary>A session that has <see cref="MaxInFlight"/> requests waiting gets an error for the next, not a bigger table.</summary>
    private async Task RefuseBusyAsync(ITransport? related, RequestId id)
    {
        LogInFlightLimit(Id[..8], MaxInFlight);
        await SendToClientAsync(related, new JsonRpcError
        {
            Id = id,
            Error = new JsonRpcErrorDetail { Code = (int)McpErrorCode.InternalError, Message = $"Too many requests in flight: this session already waits for {MaxInFlight} answers" },
        }).ConfigureAwait(false);
    }

    private static RequestId ParseId(string key) => long.TryParse(key, out var number) ? new RequestId(number) : new RequestId(key);

    private async Task ReplyErrorAsync(Pending pending, RequestId id, string message) =>
        await SendToClientAsync(pending.Related, new JsonRpcError
        {
            Id = id,
            Error = new JsonRpcErrorDetail { Code = (int)McpErrorCode.InternalError, Message = message },
        }).ConfigureAwait(false);

    private async Task SendToClientAsync(ITransport? related, JsonRpcMessage message)
    {
        try
        {
            await (related ?? _server).SendMessageAsync(message, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or ObjectDisposedException)
        {
            // No open stream for this message (the client went away, or never opened a GET stream).
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _shared?.Detach(this);
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var pending in _pending.Values)
        {
            (pending.Related as JsonResponseTransport)?.Abandon();
        }

        if (_process is { } process)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }

        await _server.DisposeAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_serverPump, _processPump).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
        }

        _stopping.Dispose();
    }

    [LoggerMessage(Diagnostics.EventIds.StdioStarted, LogLevel.Information, "Started '{Command}' for MCP session {Session}.")]
    private partial void LogStarted(string command, string session);

    [LoggerMessage(Diagnostics.EventIds.StdioExited, LogLevel.Warning, "The MCP server process of session {Session} exited.")]
    private partial void LogExited(string session);

    [LoggerMessage(Diagnostics.EventIds.StdioRestarting, LogLevel.Warning, "Restarting the MCP server of session {Session} (attempt {Attempt}) in {DelayMs} ms.")]
    private partial void LogRestarting(string session, int attempt, double delayMs);

    [LoggerMessage(Diagnostics.EventIds.StdioPumpFailed, LogLevel.Warning, "MCP session {Session}: {Reason}")]
    private partial void LogPumpFailed(string session, string reason);

    [LoggerMessage(Diagnostics.EventIds.StdioInFlightLimit, LogLevel.Warning, "MCP session {Session} has {Max} requests in flight; refused another.")]
    private partial void LogInFlightLimit(string session, int max);

    [LoggerMessage(Diagnostics.EventIds.StdioStderr, LogLevel.Debug, "[{Session} stderr] {Line}")]
    private partial void LogProcessStderr(string session, string line);
}
