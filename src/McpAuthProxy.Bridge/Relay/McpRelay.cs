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
    private readonly RequestLedger _ledger = new();
    private readonly InternalRequests _internal = new();
    private readonly SemaphoreSlim _eraGate = new(1, 1);
    private readonly ProtocolTranslator _translator = new();
    private UpstreamConnection? _upstream;
    private Task<UpstreamConnection>? _reconnecting;
    private JsonRpcRequest? _initialize;
    private JsonRpcNotification? _initialized;
    private int _generation;
    private volatile bool _stopping;
    private volatile JsonRpcErrorDetail? _refusal;
    private readonly TaskCompletionSource _firstRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public McpRelay(ITransport downstream, Func<CancellationToken, Task<ITransport>> connect, Uri server, TimeProvider clock, ILogger<McpRelay> logger)
    {
        _downstream = downstream;
        _connect = connect;
        _server = server;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>Whether tokens are asked for with an RFC 8707 resource (errors about a refused token say so otherwise).</summary>
    public bool ResourceSent { get; init; } = true;

    /// <summary>The longest pause between reconnection attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long requests in flight may still take once the client has closed its input.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How many client requests are waiting for their answer.</summary>
    public int InFlight => _ledger.Count;

    /// <summary>Completes when the client has sent its first request.</summary>
    public Task FirstRequest => _firstRequest.Task;

    /// <summary>
    /// Relays until the client closes stdin or <paramref name="cancellationToken"/> fires. Either way every request the
    /// client sent gets an answer on stdout before this returns: requests in flight when stdin closes may finish (up to
    /// <see cref="DrainTimeout"/>); whatever is left then, or when the bridge is stopped, is answered with an error.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        try
        {
            await foreach (var message in _downstream.MessageReader.ReadAllAsync(linked.Token).ConfigureAwait(false))
            {
                Observe(message);
                // Each message on its own task; ForwardUpAsync answers its own failures, so nothing awaits it here.
                _ = ForwardUpAsync(message, linked.Token);
            }

            LogDownstreamClosed();
            await WaitForPendingAsync(DrainTimeout, cancellationToken).ConfigureAwait(false);
            await RefusePendingAsync(new JsonRpcErrorDetail
            {
                Code = RelayErrors.UpstreamUnavailable,
                Message = $"The bridge is stopping (the client closed its input) before the MCP server {_server} answered.",
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            await RefusePendingAsync(_refusal ?? new JsonRpcErrorDetail
            {
                Code = RelayErrors.UpstreamUnavailable,
                Message = $"The bridge is stopping before the MCP server {_server} answered.",
            }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The bridge cannot go on (a sign-in that failed at start): answers every request in flight, and every request
    /// that still arrives, with <paramref name="error"/>.
    /// </summary>
    public Task RefuseAllAsync(JsonRpcErrorDetail error)
    {
        _refusal = error;
        return RefusePendingAsync(error);
    }

    private async Task RefusePendingAsync(JsonRpcErrorDetail error)
    {
        foreach (var pending in _ledger.InFlight)
        {
            await AnswerWithErrorAsync(pending.Id, error).ConfigureAwait(false);
        }
    }

    private Task WaitForPendingAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _ledger.WhenEmptyAsync(timeout, _clock, cancellationToken);

    private void Observe(JsonRpcMessage message)
    {
        if (message is JsonRpcRequest)
        {
            _firstRequest.TrySetResult();
        }

        switch (message)
        {
            case JsonRpcRequest { Method: RequestMethods.Initialize } initialize:
                _initialize = initialize;
                _ledger.Open(initialize);
                break;
            case JsonRpcRequest request:
                _ledger.Open(request);
                break;
            case JsonRpcNotification { Method: NotificationMethods.InitializedNotification } initialized:
                _initialized = initialized;
                break;
            case JsonRpcNotification { Method: NotificationMethods.CancelledNotification, Params: JsonObject p } when TryGetRequestId(p["requestId"], out var id):
                // The client gave up on this request: whatever happens to it now, it gets no answer from us.
                _ledger.Abandon(id);
                break;
        }
    }

    private async Task ForwardUpAsync(JsonRpcMessage message, CancellationToken cancellationToken)
    {
        if (_refusal is { } refusal)
        {
            if (message is JsonRpcRequest refused)
            {
                await AnswerWithErrorAsync(refused.Id, refusal).ConfigureAwait(false);
            }

            return;
        }

        try
        {
            var upstream = await GetUpstreamAsync(cancellationToken).ConfigureAwait(false);
            if (message is JsonRpcRequest { Method: RequestMethods.Initialize or RequestMethods.ServerDiscover } opening
                && await NegotiateAsync(upstream, opening, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            switch (_translator.ToServer(message))
            {
                case { Local: { } local } when message is JsonRpcRequest asked:
                    await AnswerAsync(asked.Id, local).ConfigureAwait(false);
                    return;
                case { Forward: null }:
                    return;
                case { Forward: { } translated }:
                    message = translated;
                    break;
            }

            var pending = message is JsonRpcRequest request ? _ledger.Find(request.Id) : null;
            if (pending is not null)
            {
                pending.Generation = upstream.Generation;
            }

            LogMessageUp(Describe(message));
            if (message is JsonRpcRequest { Method: RequestMethods.Initialize } initialize)
            {
                // The transport learns the session id only once this send returns, after the answer is already in
                // its channel; the answer waits for that, or the client's next request could go out without it.
                var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (pending is not null)
                {
                    pending.Sent = sent;
                }

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

                await AnswerWithErrorAsync(request.Id, RelayErrors.From(e, _server, ResourceSent)).ConfigureAwait(false);
            }
            else
            {
                LogNotificationFailed(Describe(message), e.Message);
            }
        }
    }

    /// <summary>
    /// Decides, at the client's first <c>initialize</c> or <c>server/discover</c>, which protocol era the server speaks,
    /// by asking it <c>server/discover</c>. Where the two sides differ, the bridge translates: it answers a 2025-era
    /// client's <c>initialize</c> from the discovery result, or initializes a 2025-era server itself for a 2026-era
    /// client. Returns true when the request was answered here.
    /// </summary>
    private async Task<bool> NegotiateAsync(UpstreamConnection upstream, JsonRpcRequest opening, CancellationToken cancellationToken)
    {
        await _eraGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_translator.TryAnswerLocally(opening) is { } known)
            {
                await AnswerAsync(opening.Id, known).ConfigureAwait(false);
                return true;
            }

            if (_translator.Decided)
            {
                return false;
            }

            var discover = await CallInternalAsync(upstream, RequestMethods.ServerDiscover, _translator.DiscoverParams(opening), cancellationToken).ConfigureAwait(false);
            if (ProtocolTranslator.IsRefusedVersionWeSpeak(discover))
            {
                // A server may refuse a first request to see the client retry with a version it lists (SEP-2575).
                discover = await CallInternalAsync(upstream, RequestMethods.ServerDiscover, _translator.DiscoverParams(opening), cancellationToken).ConfigureAwait(false);
            }

            if (ProtocolTranslator.IsModernDiscovery(discover))
            {
                var answer = _translator.AdoptModernServer(opening, (JsonObject)((JsonRpcResponse)discover).Result!);
                LogEra(_translator.Describe);
                await AnswerAsync(opening.Id, answer).ConfigureAwait(false);
                return true;
            }

            if (opening.Method == RequestMethods.Initialize)
            {
                _translator.AdoptLegacyServer();
                LogEra(_translator.Describe);
                return false;
            }

            // A 2026-era client and a 2025-era server: introduce the client to the server ourselves.
            var initialize = _translator.InitializeFor(opening);
            var initialized = await CallInternalAsync(upstream, RequestMethods.Initialize, initialize.Params, cancellationToken).ConfigureAwait(false);
            if (initialized is not JsonRpcResponse { Result: JsonObject result })
            {
                _translator.AdoptLegacyServer();
                await AnswerAsync(opening.Id, initialized).ConfigureAwait(false);
                return true;
            }

            await upstream.SendAsync(new JsonRpcNotification { Method = NotificationMethods.InitializedNotification }, cancellationToken).ConfigureAwait(false);
            var discovered = _translator.AdoptLegacyServerForModernClient(initialize, result);
            LogEra(_translator.Describe);
            await AnswerAsync(opening.Id, discovered).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _eraGate.Release();
        }
    }

    /// <summary>Sends a request of our own to the server and waits for its answer; a refusal comes back as an error message.</summary>
    private async Task<JsonRpcMessage> CallInternalAsync(UpstreamConnection upstream, string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        var id = _internal.NewId();
        var answer = _internal.Expect(id);
        try
        {
            await upstream.SendAsync(new JsonRpcRequest { Id = id, Method = method, Params = parameters }, cancellationToken).ConfigureAwait(false);
            return await answer.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ModelContextProtocol.McpException or HttpRequestException { StatusCode: not (System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden) } or TimeoutException)
        {
            return new JsonRpcError { Id = id, Error = RelayErrors.From(e, _server, ResourceSent) };
        }
        finally
        {
            _internal.Forget(id);
        }
    }

    /// <summary>Answers a client request here, with a result or an error built elsewhere.</summary>
    private async Task AnswerAsync(RequestId id, JsonRpcMessage answer)
    {
        if (_ledger.Close(id) is null)
        {
            return;
        }

        await SendDownAsync(answer switch
        {
            JsonRpcResponse r => new JsonRpcResponse { Id = id, Result = r.Result },
            JsonRpcError e => new JsonRpcError { Id = id, Error = e.Error },
            _ => answer,
        }).ConfigureAwait(false);
    }

    private async Task AnswerWithErrorAsync(RequestId id, JsonRpcErrorDetail error)
    {
        if (_ledger.Close(id) is not { Abandoned: false })
        {
            return;
        }

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

    private async Task<UpstreamConnection> GetUpstreamAsync(CancellationToken cancellationToken)
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

    private async Task<UpstreamConnection> ConnectAsync(bool replay, CancellationToken cancellationToken)
    {
        var transport = await _connect(cancellationToken).ConfigureAwait(false);
        var upstream = new UpstreamConnection(transport, Interlocked.Increment(ref _generation));
        _upstream = upstream;
        upstream.Pump = PumpAsync(upstream);
        LogConnected(_server, upstream.Generation);

        if (replay && !_translator.ServerIsStateless && (_initialize ?? _translator.SynthesizedInitialize) is { } initialize)
        {
            // A new connection is a new session to the server: introduce the client again, as it did at first.
            var id = _internal.NewId("reconnect-");
            _internal.Ignore(id);
            await upstream.SendAsync(new JsonRpcRequest { Id = id, Method = initialize.Method, Params = initialize.Params?.DeepClone() }, cancellationToken).ConfigureAwait(false);
            if (_initialized is { } initialized)
            {
                await upstream.SendAsync(initialized, cancellationToken).ConfigureAwait(false);
            }
        }

        return upstream;
    }

    private async Task PumpAsync(UpstreamConnection upstream)
    {
        Exception? failure = null;
        try
        {
            await foreach (var message in upstream.Transport.MessageReader.ReadAllAsync(_lifetime.Token).ConfigureAwait(false))
            {
                if (message is JsonRpcResponse or JsonRpcError && message is JsonRpcMessageWithId answer)
                {
                    if (_internal.TryTake(answer))
                    {
                        continue;
                    }

                    if (_ledger.Close(answer.Id) is not { Abandoned: false } pending)
                    {
                        // Already answered (with an error, after a lost connection), or the client cancelled it.
                        continue;
                    }

                    if (pending.Sent is { } sent)
                    {
                        await sent.Task.WaitAsync(_lifetime.Token).ConfigureAwait(false);
                    }
                }

                await SendDownAsync(_translator.ToClient(message)).ConfigureAwait(false);
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
        foreach (var pending in _ledger.InFlight)
        {
            if (pending.Generation == upstream.Generation)
            {
                await AnswerWithErrorAsync(pending.Id, new JsonRpcErrorDetail
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

    private async Task<UpstreamConnection> ReconnectLoopAsync()
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

            // Whatever backs the number (parsed JSON, or an int or long set in code), as JSON it reads the same.
            if (value.GetValueKind() == System.Text.Json.JsonValueKind.Number
                && long.TryParse(value.ToJsonString(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var l))
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
}
