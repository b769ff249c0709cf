using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Bridge.Relay;

/// <summary>
/// Pumps JSON-RPC messages between the desktop client (<c>downstream</c>) and the MCP server (<c>upstream</c>),
/// unchanged and ids preserved. Each client message is forwarded on its own task, so a slow call never holds up a
/// quick one. A request that cannot be delivered, or whose answer is lost with the connection, is answered with a
/// JSON-RPC error carrying its id. A lost connection is re-established with backoff, replaying the client's
/// <c>initialize</c> so the server sees the same client.
/// </summary>
public sealed partial class McpRelay : IAsyncDisposable
{
    private readonly ITransport _downstream;
    private readonly Func<CancellationToken, Task<ITransport>> _connect;
    private readonly Uri _server;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly ConcurrentDictionary<RequestId, int> _pending = new();
    private readonly ConcurrentDictionary<RequestId, byte> _abandoned = new();
    private readonly ConcurrentDictionary<RequestId, byte> _internal = new();
    private readonly ConcurrentDictionary<Task, byte> _forwarding = new();
    private readonly ConcurrentDictionary<RequestId, TaskCompletionSource> _sendCompleted = new();
    private Upstream? _upstream;
    private Task<Upstream>? _reconnecting;
    private JsonRpcRequest? _initialize;
    private JsonRpcNotification? _initialized;
    private int _generation;
    private volatile bool _stopping;

    public McpRelay(ITransport downstream, Func<CancellationToken, Task<ITransport>> connect, Uri server, TimeProvider clock, ILogger<McpRelay> logger)
    {
        _downstream = downstream;
        _connect = connect;
        _server = server;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The longest pause between reconnection attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Relays until the client closes stdin or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        try
        {
            await foreach (var message in _downstream.MessageReader.ReadAllAsync(linked.Token).ConfigureAwait(false))
            {
                Observe(message);
                var forward = ForwardUpAsync(message, linked.Token);
                _forwarding.TryAdd(forward, 0);
                _ = forward.ContinueWith(t => _forwarding.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            LogDownstreamClosed();
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
        }
    }

    private void Observe(JsonRpcMessage message)
    {
        switch (message)
        {
            case JsonRpcRequest { Method: RequestMethods.Initialize } initialize:
                _initialize = initialize;
                _pending[initialize.Id] = 0;
                break;
            case JsonRpcRequest request:
                _pending[request.Id] = 0;
                break;
            case JsonRpcNotification { Method: NotificationMethods.InitializedNotification } initialized:
                _initialized = initialized;
                break;
            case JsonRpcNotification { Method: NotificationMethods.CancelledNotification, Params: JsonObject p } when TryGetRequestId(p["requestId"], out var id):
                // The client gave up on this request: whatever happens to it now, it gets no error from us.
                _abandoned.TryAdd(id, 0);
                break;
        }
    }

    private async Task ForwardUpAsync(JsonRpcMessage message, CancellationToken cancellationToken)
    {
        try
        {
            var upstream = await GetUpstreamAsync(cancellationToken).ConfigureAwait(false);
            if (message is JsonRpcRequest request)
            {
                _pending[request.Id] = upstream.Generation;
            }

            LogMessageUp(Describe(message));
            if (message is JsonRpcRequest { Method: RequestMethods.Initialize } initialize)
            {
                // The transport learns the session id only once this send returns, after the answer is already in
                // its channel; the answer waits for that, or the client's next request could go out without it.
                var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _sendCompleted[initialize.Id] = sent;
                try
                {
                    await upstream.SendAsync(message, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    sent.TrySetResult();
                }
            }
            else
            {
                await upstream.SendAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            if (message is JsonRpcRequest request)
            {
                if (e is ModelContextProtocol.McpProtocolException)
                {
                    // The server answered with a JSON-RPC error: an ordinary answer, passed on as it is.
                    LogRequestAnsweredWithError(request.Method, request.Id.ToString(), e.Message);
                }
                else
                {
                    LogRequestFailed(request.Method, request.Id.ToString(), e.Message);
                }

                await AnswerWithErrorAsync(request.Id, RelayErrors.From(e, _server)).ConfigureAwait(false);
            }
            else
            {
                LogNotificationFailed(Describe(message), e.Message);
            }
        }
    }

    private async Task AnswerWithErrorAsync(RequestId id, JsonRpcErrorDetail error)
    {
        if (!_pending.TryRemove(id, out _) || _abandoned.ContainsKey(id))
        {
            return;
        }

        _abandoned.TryAdd(id, 0);
        await SendDownAsync(new JsonRpcError { Id = id, Error = error }).ConfigureAwait(false);
    }

    private async Task SendDownAsync(JsonRpcMessage message)
    {
        try
        {
            LogMessageDown(Describe(message));
            await _downstream.SendMessageAsync(message, _lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The client is gone; nothing left to tell it.
        }
    }

    private async Task<Upstream> GetUpstreamAsync(CancellationToken cancellationToken)
    {
        if (_upstream is { IsAlive: true } live)
        {
            return live;
        }

        if (_reconnecting is { } reconnecting)
        {
            return await reconnecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_upstream is { IsAlive: true } connected)
            {
                return connected;
            }

            return await ConnectAsync(replay: _upstream is not null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task<Upstream> ConnectAsync(bool replay, CancellationToken cancellationToken)
    {
        var transport = await _connect(cancellationToken).ConfigureAwait(false);
        var upstream = new Upstream(transport, Interlocked.Increment(ref _generation));
        _upstream = upstream;
        upstream.Pump = PumpAsync(upstream);
        LogConnected(_server, upstream.Generation);

        if (replay && _initialize is { } initialize)
        {
            // A new connection is a new session to the server: introduce the client again, as it did at first.
            var id = new RequestId($"mcp-auth-proxy-reconnect-{upstream.Generation}");
            _internal.TryAdd(id, 0);
            await upstream.SendAsync(new JsonRpcRequest { Id = id, Method = initialize.Method, Params = initialize.Params?.DeepClone() }, cancellationToken).ConfigureAwait(false);
            if (_initialized is { } initialized)
            {
                await upstream.SendAsync(initialized, cancellationToken).ConfigureAwait(false);
            }
        }

        return upstream;
    }

    private async Task PumpAsync(Upstream upstream)
    {
        Exception? failure = null;
        try
        {
            await foreach (var message in upstream.Transport.MessageReader.ReadAllAsync(_lifetime.Token).ConfigureAwait(false))
            {
                if (message is JsonRpcResponse or JsonRpcError && message is JsonRpcMessageWithId answer)
                {
                    if (_internal.TryRemove(answer.Id, out _))
                    {
                        continue;
                    }

                    if (!_pending.TryRemove(answer.Id, out _) && _abandoned.ContainsKey(answer.Id))
                    {
                        // Already answered with an error, or the client cancelled it.
                        continue;
                    }

                    if (_sendCompleted.TryRemove(answer.Id, out var sent))
                    {
                        await sent.Task.WaitAsync(_lifetime.Token).ConfigureAwait(false);
                    }
                }

                await SendDownAsync(message).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            failure = e;
        }

        if (_stopping)
        {
            return;
        }

        upstream.IsAlive = false;
        LogUpstreamClosed(_server, failure?.Message ?? "the connection ended");
        foreach (var (id, generation) in _pending)
        {
            if (generation == upstream.Generation)
            {
                await AnswerWithErrorAsync(id, new JsonRpcErrorDetail
                {
                    Code = RelayErrors.UpstreamUnavailable,
                    Message = $"The connection to the MCP server {_server} was lost before it answered; reconnecting. Retry the request.",
                }).ConfigureAwait(false);
            }
        }

        StartReconnecting();
    }

    private void StartReconnecting()
    {
        if (_stopping)
        {
            return;
        }

        _reconnecting = ReconnectLoopAsync();
    }

    private async Task<Upstream> ReconnectLoopAsync()
    {
        var delay = TimeSpan.FromMilliseconds(250);
        var attempt = 0;
        while (true)
        {
            _lifetime.Token.ThrowIfCancellationRequested();
            attempt++;
            await _connectLock.WaitAsync(_lifetime.Token).ConfigureAwait(false);
            try
            {
                LogReconnecting(_server, attempt);
                var upstream = await ConnectAsync(replay: true, _lifetime.Token).ConfigureAwait(false);
                LogReconnected(_server, attempt);
                _reconnecting = null;
                return upstream;
            }
            catch (Exception e) when (e is not OperationCanceledException || !_lifetime.IsCancellationRequested)
            {
                LogConnectFailed(_server, e.Message, delay.TotalSeconds);
                if (_upstream is { } dead)
                {
                    dead.IsAlive = false;
                }
            }
            finally
            {
                _connectLock.Release();
            }

            await Task.Delay(delay, _clock, _lifetime.Token).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private static bool TryGetRequestId(JsonNode? node, out RequestId id)
    {
        if (node is JsonValue value)
        {
            if (value.TryGetValue(out string? s) && s is not null)
            {
                id = new RequestId(s);
                return true;
            }

            if (value.TryGetValue(out long l))
            {
                id = new RequestId(l);
                return true;
            }
        }

        id = default;
        return false;
    }

    private static string Describe(JsonRpcMessage message) => message switch
    {
        JsonRpcRequest r => $"request {r.Method} #{r.Id}",
        JsonRpcNotification n => $"notification {n.Method}",
        JsonRpcResponse r => $"response #{r.Id}",
        JsonRpcError e => $"error #{e.Id} ({e.Error.Code})",
        _ => message.GetType().Name,
    };

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        var upstream = _upstream;
        if (upstream is not null)
        {
            try
            {
                // Ends the session politely (DELETE) where the server keeps one.
                await upstream.Transport.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
            }
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (upstream?.Pump is { } pump)
        {
            await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _lifetime.Dispose();
        _connectLock.Dispose();
    }

    /// <summary>One connection to the server. The first message on it is sent alone, so auto-detection settles once.</summary>
    private sealed class Upstream(ITransport transport, int generation)
    {
        private readonly TaskCompletionSource _firstSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _started;

        public ITransport Transport { get; } = transport;
        public int Generation { get; } = generation;
        public Task? Pump { get; set; }
        public volatile bool IsAlive = true;

        public async Task SendAsync(JsonRpcMessage message, CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _started, 1) == 0)
            {
                try
                {
                    await Transport.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _firstSent.TrySetResult();
                }

                return;
            }

            await _firstSent.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            await Transport.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }
}
