using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpAuthProxy.Gateway.Configuration;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Gateway.Upstreams.Stdio;

/// <summary>
/// <c>stdio.shared_process: true</c>: one process serves every MCP session. The gateway initializes it itself and keeps
/// the result; request ids and progress tokens are rewritten to <c>"s{n}:{original}"</c> per session and restored on the
/// way back. A crash fails every in-flight request and restarts the process with backoff.
/// </summary>
internal sealed partial class SharedStdioProcess(GatewaySettings settings, ILoggerFactory loggerFactory, ILogger<SharedStdioProcess> logger) : IAsyncDisposable
{
    private const string InitializePrefix = "gateway-initialize-";
    private const string GatewayProtocolVersion = "2025-11-25";

    /// <summary>Released MCP protocol versions, oldest first.</summary>
    private static readonly string[] KnownVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", Transport.ProtocolHeaders.ModernVersion];
    private static readonly TimeSpan InitializeTimeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private readonly ConcurrentDictionary<string, InFlight> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ProgressRoute> _progress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<StdioSession, string> _sessions = new();
    private readonly ConcurrentDictionary<string, ServerRequest> _serverRequests = new(StringComparer.Ordinal);
    private ITransport? _process;
    private JsonNode? _initializeParams;
    private JsonObject? _initializeResult;
    private TaskCompletionSource<JsonRpcMessage>? _initializing;
    private Task _pump = Task.CompletedTask;
    private Task _restart = Task.CompletedTask;
    private int _restarts;
    private int _nextSession;
    private long _nextServerRequest;
    private long _nextRequest;
    private int _starts;
    private bool _disposed;

    private sealed record InFlight(StdioSession Session, RequestId Original, string? ProgressKey);

    private sealed record ProgressRoute(StdioSession Session, JsonNode Original);

    /// <summary>A request of the process's own (sampling, elicitation, roots) sent to one session under an id of the gateway's.</summary>
    private sealed record ServerRequest(StdioSession Session, RequestId Original);

    /// <summary>How many times a process was started (tests, diagnostics).</summary>
    public int Starts => Volatile.Read(ref _starts);

    /// <summary>Adds a session; returns its id prefix.</summary>
    public string Attach(StdioSession session) => _sessions.GetOrAdd(session, _ => $"s{Interlocked.Increment(ref _nextSession)}");

    /// <summary>
    /// Removes a session and forgets its in-flight requests; the process keeps running. The process's requests that the
    /// session was asked and never answered are answered with an error, so the process does not wait for them forever.
    /// </summary>
    public void Detach(StdioSession session)
    {
        _sessions.TryRemove(session, out _);
        foreach (var (key, inFlight) in _inFlight)
        {
            if (inFlight.Session == session && _inFlight.TryRemove(key, out var removed) && removed.ProgressKey is { } progressKey)
            {
                _progress.TryRemove(progressKey, out _);
            }
        }

        foreach (var (key, asked) in _serverRequests)
        {
            if (asked.Session == session && _serverRequests.TryRemove(key, out _) && Volatile.Read(ref _process) is { } process)
            {
                _ = SendQuietlyAsync(process, new JsonRpcError
                {
                    Id = asked.Original,
                    Error = new JsonRpcErrorDetail { Code = (int)McpErrorCode.InternalError, Message = "The MCP session this request was sent to has ended" },
                });
            }
        }
    }

    /// <summary>
    /// Starts and initializes the process unless it runs (or is being restarted). <paramref name="clientInitialize"/>
    /// (the first session's <c>initialize</c> params) supplies the protocol version and capabilities the gateway announces.
    /// </summary>
    public async Task EnsureStartedAsync(JsonNode? clientInitialize, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _process) is not null || !_restart.IsCompleted)
        {
            return;
        }

        await _startGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_process is not null || !_restart.IsCompleted)
            {
                return;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            _initializeParams ??= GatewayInitializeParams(clientInitialize);
            _restarts = 0;
            _process = await ConnectAndInitializeAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _startGate.Release();
        }
    }

    /// <summary>The cached <c>initialize</c> result for a session's <c>initialize</c>; null when the process never initialized.</summary>
    public JsonNode? InitializeResultFor(JsonRpcRequest request)
    {
        if (Volatile.Read(ref _initializeResult) is not { } cached)
        {
            return null;
        }

        // The client's requested version when the process supports it: the version it negotiated with the gateway, or a
        // released version older than that (MCP servers keep accepting the earlier versions; newer ones only add to them).
        // Otherwise the negotiated version, and the client decides whether it can speak it.
        var result = (JsonObject)cached.DeepClone();
        var requested = StringValue(request.Params?["protocolVersion"]);
        var negotiated = StringValue(result["protocolVersion"]);
        var supported = requested is not null && (requested == negotiated
            || (KnownVersions.Contains(requested) && negotiated is not null && string.CompareOrdinal(requested, negotiated) < 0));
        result["protocolVersion"] = supported ? requested : negotiated;
        return result;
    }

    /// <summary>A message from <paramref name="session"/> toward the process, ids and progress tokens rewritten.</summary>
    public async Task SendAsync(StdioSession session, string prefix, JsonRpcMessage message, CancellationToken cancellationToken)
    {
        var process = Volatile.Read(ref _process) ?? throw new InvalidOperationException("the shared MCP server process is not running");
        switch (message)
        {
            case JsonRpcRequest request:
                {
                    // A number of the gateway's: the session's own ids (1 and "1" alike) never meet another's or each other.
                    var gatewayId = $"{prefix}:{Interlocked.Increment(ref _nextRequest)}";
                    var parameters = request.Params?.DeepClone();
                    string? progressKey = null;
                    if (parameters?["_meta"] is JsonObject meta && meta["progressToken"] is { } token)
                    {
                        progressKey = $"{prefix}:{Key(token)}";
                        _progress[progressKey] = new ProgressRoute(session, token.DeepClone());
                        meta["progressToken"] = progressKey;
                    }

                    _inFlight[gatewayId] = new InFlight(session, request.Id, progressKey);
                    try
                    {
                        await process.SendMessageAsync(new JsonRpcRequest { Id = new RequestId(gatewayId), Method = request.Method, Params = parameters }, cancellationToken)
                            .ConfigureAwait(false);

                        // The process exited while this was being sent, after its in-flight requests were failed: nobody would answer.
                        if (Volatile.Read(ref _process) != process)
                        {
                            throw new InvalidOperationException("the shared MCP server process exited");
                        }
                    }
                    catch
                    {
                        if (_inFlight.TryRemove(gatewayId, out _))
                        {
                            if (progressKey is not null)
                            {
                                _progress.TryRemove(progressKey, out _);
                            }

                            throw;
                        }

                        // The crash sweep already answered it with an error.
                        return;
                    }

                    return;
                }

            case JsonRpcNotification { Method: NotificationMethods.CancelledNotification } cancelled
                when cancelled.Params?.DeepClone() is JsonObject parameters && parameters["requestId"] is { } requestId:
                {
                    // Only the session's own requests can be cancelled, under the gateway's id for them.
                    var original = RequestIdOf(requestId);
                    var gatewayId = _inFlight.FirstOrDefault(f => f.Value.Session == session && f.Value.Original.Equals(original)).Key;
                    if (gatewayId is null)
                    {
                        return;
                    }

                    parameters["requestId"] = gatewayId;
                    await process.SendMessageAsync(new JsonRpcNotification { Method = cancelled.Method, Params = parameters }, cancellationToken).ConfigureAwait(false);
                    return;
                }

            case JsonRpcMessageWithId answer and (JsonRpcResponse or JsonRpcError):
                {
                    // An answer to one of the process's own requests: only from the session it was sent to, under the id the
                    // gateway gave it there. Any other answer (another session's id, a guessed one, one already given) is dropped.
                    var key = answer.Id.ToString();
                    if (!_serverRequests.TryGetValue(key, out var asked) || asked.Session != session
                        || !_serverRequests.TryRemove(new KeyValuePair<string, ServerRequest>(key, asked)))
                    {
                        LogForeignAnswerDropped(prefix, key);
                        return;
                    }

                    JsonRpcMessage restored = answer is JsonRpcResponse response
                        ? new JsonRpcResponse { Id = asked.Original, Result = response.Result }
                        : new JsonRpcError { Id = asked.Original, Error = ((JsonRpcError)answer).Error };
                    await process.SendMessageAsync(restored, cancellationToken).ConfigureAwait(false);
                    return;
                }

            default:
                // Other notifications go as they are.
                await process.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
                return;
        }
    }

    private static RequestId RequestIdOf(JsonNode node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var number)
            ? new RequestId(number)
            : new RequestId(Key(node));

    private static string Key(JsonNode node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : node.ToJsonString();

    private static string? StringValue(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>
    /// The gateway's own <c>initialize</c>: a recent version (the first client's when that is a newer released one), so the
    /// process negotiates the newest it can and older clients can be answered with theirs; the first client's capabilities.
    /// </summary>
    private static JsonObject GatewayInitializeParams(JsonNode? clientInitialize) => new()
    {
        ["protocolVersion"] = StringValue(clientInitialize?["protocolVersion"]) is { } version && KnownVersions.Contains(version)
            && string.CompareOrdinal(version, GatewayProtocolVersion) > 0
            ? version
            : GatewayProtocolVersion,
        ["capabilities"] = clientInitialize?["capabilities"]?.DeepClone() ?? new JsonObject(),
        ["clientInfo"] = new JsonObject { ["name"] = "mcp-auth-proxy-gateway", ["version"] = typeof(SharedStdioProcess).Assembly.GetName().Version?.ToString() ?? "0" },
    };

    /// <summary>Starts a process, sends <c>initialize</c>, waits for its result, sends <c>notifications/initialized</c>.</summary>
    private async Task<ITransport> ConnectAndInitializeAsync(CancellationToken cancellationToken)
    {
        var starts = Interlocked.Increment(ref _starts);
        var process = await StdioSession.ConnectProcessAsync(settings, "mcp-shared", loggerFactory, line => LogProcessStderr(line), cancellationToken).ConfigureAwait(false);
        try
        {
            var initializing = new TaskCompletionSource<JsonRpcMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _initializing, initializing);
            _pump = PumpFromProcessAsync(process);
            await process.SendMessageAsync(new JsonRpcRequest
            {
                Id = new RequestId(InitializePrefix + starts),
                Method = RequestMethods.Initialize,
                Params = _initializeParams!.DeepClone(),
            }, cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            timeout.CancelAfter(InitializeTimeout);
            var answer = await initializing.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            if (answer is not JsonRpcResponse { Result: JsonObject result } || result["protocolVersion"] is not JsonValue)
            {
                var reason = answer is JsonRpcError error ? error.Error.Message : "no InitializeResult";
                throw new InvalidOperationException($"the MCP server refused initialize: {reason}");
            }

            await process.SendMessageAsync(new JsonRpcNotification { Method = NotificationMethods.InitializedNotification }, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _initializeResult, result);
            LogStarted(settings.StdioCommand[0], starts, result["protocolVersion"]!.ToString());
            return process;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException("the MCP server did not answer initialize", ex);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Process -> sessions; on exit, fail what is in flight and restart.</summary>
    private async Task PumpFromProcessAsync(ITransport process)
    {
        try
        {
            await foreach (var message in process.MessageReader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                await RouteAsync(process, message).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            LogFailed(ex.Message);
        }

        Volatile.Read(ref _initializing)?.TrySetException(new IOException("the MCP server process exited"));
        if (_stopping.IsCancellationRequested || Interlocked.CompareExchange(ref _process, null, process) != process)
        {
            // Stopping, or a process that never finished initializing (its starter reports the failure).
            return;
        }

        LogExited(_inFlight.Count);
        _serverRequests.Clear();
        foreach (var key in _inFlight.Keys.ToList())
        {
            if (_inFlight.TryRemove(key, out var inFlight))
            {
                if (inFlight.ProgressKey is { } progressKey)
                {
                    _progress.TryRemove(progressKey, out _);
                }

                await inFlight.Session.FailFromSharedAsync(inFlight.Original, "The MCP server process exited").ConfigureAwait(false);
            }
        }

        await process.DisposeAsync().ConfigureAwait(false);
        _restart = RestartAsync();
    }

    private async Task RouteAsync(ITransport process, JsonRpcMessage message)
    {
        switch (message)
        {
            case JsonRpcMessageWithId withId and (JsonRpcResponse or JsonRpcError):
                {
                    var key = withId.Id.ToString();
                    if (key.StartsWith(InitializePrefix, StringComparison.Ordinal))
                    {
                        Volatile.Read(ref _initializing)?.TrySetResult(message);
                        return;
                    }

                    if (!_inFlight.TryRemove(key, out var inFlight))
                    {
                        return;
                    }

                    if (inFlight.ProgressKey is { } progressKey)
                    {
                        _progress.TryRemove(progressKey, out _);
                    }

                    JsonRpcMessage restored = message is JsonRpcResponse response
                        ? new JsonRpcResponse { Id = inFlight.Original, Result = response.Result }
                        : new JsonRpcError { Id = inFlight.Original, Error = ((JsonRpcError)message).Error };
                    await inFlight.Session.DeliverFromSharedAsync(restored).ConfigureAwait(false);
                    return;
                }

            case JsonRpcNotification notification:
                {
                    if (notification.Params?["progressToken"] is { } token)
                    {
                        // Progress belongs to the session whose request carried the token; an unknown token goes nowhere.
                        if (_progress.TryGetValue(Key(token), out var route))
                        {
                            var parameters = (JsonObject)notification.Params.DeepClone();
                            parameters["progressToken"] = route.Original.DeepClone();
                            await route.Session.DeliverFromSharedAsync(new JsonRpcNotification { Method = notification.Method, Params = parameters }).ConfigureAwait(false);
                        }

                        return;
                    }

                    if (notification.Method == NotificationMethods.CancelledNotification && notification.Params?["requestId"] is { } cancelledId)
                    {
                        // The process gave up one of its own requests: tell the session it was sent to, under its id there.
                        var original = Key(cancelledId);
                        foreach (var (key, asked) in _serverRequests)
                        {
                            if (asked.Original.ToString() == original && _serverRequests.TryRemove(key, out _))
                            {
                                var parameters = (JsonObject)notification.Params.DeepClone();
                                parameters["requestId"] = key;
                                await asked.Session.DeliverFromSharedAsync(new JsonRpcNotification { Method = notification.Method, Params = parameters }).ConfigureAwait(false);
                            }
                        }

                        return;
                    }

                    foreach (var session in _sessions.Keys)
                    {
                        await session.DeliverFromSharedAsync(new JsonRpcNotification { Method = notification.Method, Params = notification.Params?.DeepClone() }).ConfigureAwait(false);
                    }

                    return;
                }

            case JsonRpcRequest request:
                {
                    if (request.Method == RequestMethods.Ping)
                    {
                        await SendQuietlyAsync(process, new JsonRpcResponse { Id = request.Id, Result = new JsonObject() }).ConfigureAwait(false);
                        return;
                    }

                    var waiting = _inFlight.Values.Select(f => f.Session).Distinct().ToList();
                    if (waiting is [var only] && _sessions.TryGetValue(only, out var onlyPrefix))
                    {
                        // The session sees the request under an id of the gateway's, and only its answer under that id goes back.
                        var gatewayId = $"{onlyPrefix}:server-{Interlocked.Increment(ref _nextServerRequest)}";
                        _serverRequests[gatewayId] = new ServerRequest(only, request.Id);
                        await only.DeliverFromSharedAsync(new JsonRpcRequest { Id = new RequestId(gatewayId), Method = request.Method, Params = request.Params }).ConfigureAwait(false);
                        return;
                    }

                    LogServerRequestRefused(request.Method, waiting.Count);
                    await SendQuietlyAsync(process, new JsonRpcError
                    {
                        Id = request.Id,
                        Error = new JsonRpcErrorDetail
                        {
                            Code = (int)McpErrorCode.InternalError,
                            Message = $"The gateway shares this process among MCP sessions and cannot tell which one '{request.Method}' is for ({waiting.Count} have requests in flight)",
                        },
                    }).ConfigureAwait(false);
                    return;
                }
        }
    }

    private async Task SendQuietlyAsync(ITransport process, JsonRpcMessage message)
    {
        try
        {
            await process.SendMessageAsync(message, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
        }
    }

    private async Task RestartAsync()
    {
        while (!_stopping.IsCancellationRequested && _restarts < settings.StdioMaxRestarts)
        {
            _restarts++;
            var delay = TimeSpan.FromMilliseconds(250 * Math.Pow(2, _restarts - 1));
            LogRestarting(_restarts, delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
                await _startGate.WaitAsync(_stopping.Token).ConfigureAwait(false);
                try
                {
                    if (_process is not null)
                    {
                        // A new session started it meanwhile.
                        return;
                    }

                    var process = await ConnectAndInitializeAsync(_stopping.Token).ConfigureAwait(false);
                    Volatile.Write(ref _process, process);
                    return;
                }
                finally
                {
                    _startGate.Release();
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                LogFailed(ex.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _restart.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
        }

        if (Interlocked.Exchange(ref _process, null) is { } process)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
        }
    }
}
