using System.Text.Json.Nodes;
using System.Threading.Channels;
using McpAuthProxy.Bridge.Relay;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Bridge.Tests.Relay;

/// <summary>The relay between two in-memory transports: a scripted client and a scripted 2025-era server.</summary>
public sealed class McpRelayTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Request_is_forwarded_with_its_id_and_its_answer_comes_back_with_the_same_id()
    {
        await using var fixture = await RelayFixture.StartAsync();

        await fixture.Client.SendAsync(Request("abc", "tools/list"));
        var answer = await fixture.Client.ReadAnswerAsync("abc");

        Assert.Equal("tools/list", fixture.Server.Received.OfType<JsonRpcRequest>().Last().Method);
        Assert.IsType<JsonRpcResponse>(answer);
    }

    [Fact]
    public async Task Lost_connection_answers_each_request_in_flight_once_with_an_error_carrying_its_id()
    {
        await using var fixture = await RelayFixture.StartAsync();
        fixture.Server.Hold = true;

        await fixture.Client.SendAsync(Request(1, "tools/call"));
        await fixture.Client.SendAsync(Request(2, "tools/call"));
        await fixture.Server.WaitForAsync(m => m is JsonRpcRequest { Id: var id } && id == new RequestId(2));
        fixture.Server.Drop();

        var first = Assert.IsType<JsonRpcError>(await fixture.Client.ReadAnswerAsync(1));
        var second = Assert.IsType<JsonRpcError>(await fixture.Client.ReadAnswerAsync(2));
        Assert.Equal(RelayErrors.UpstreamUnavailable, first.Error.Code);
        Assert.Equal(RelayErrors.UpstreamUnavailable, second.Error.Code);
        Assert.Equal(0, fixture.Relay.InFlight);
    }

    [Fact]
    public async Task Answer_to_a_request_the_client_cancelled_is_dropped()
    {
        await using var fixture = await RelayFixture.StartAsync();
        fixture.Server.Hold = true;

        await fixture.Client.SendAsync(Request(5, "tools/call"));
        await fixture.Server.WaitForAsync(m => m is JsonRpcRequest { Method: "tools/call" });
        await fixture.Client.SendAsync(new JsonRpcNotification { Method = NotificationMethods.CancelledNotification, Params = new JsonObject { ["requestId"] = 5 } });
        await fixture.Server.WaitForAsync(m => m is JsonRpcNotification { Method: NotificationMethods.CancelledNotification });
        fixture.Server.ReleaseHeld();
        await fixture.Client.SendAsync(Request(6, "ping"));

        await fixture.Client.ReadAnswerAsync(6);
        Assert.DoesNotContain(fixture.Client.Received, m => m is JsonRpcMessageWithId { Id: var id } && id == new RequestId(5));
    }

    [Fact]
    public async Task Requests_still_in_flight_when_the_client_stops_reading_are_answered_before_the_relay_ends()
    {
        await using var fixture = await RelayFixture.StartAsync(drain: TimeSpan.FromMilliseconds(200));
        fixture.Server.Hold = true;

        await fixture.Client.SendAsync(Request(9, "tools/call"));
        await fixture.Server.WaitForAsync(m => m is JsonRpcRequest { Method: "tools/call" });
        fixture.Client.Close();
        await fixture.Running;

        var error = Assert.IsType<JsonRpcError>(await fixture.Client.ReadAnswerAsync(9));
        Assert.Contains("stopping", error.Error.Message);
    }

    [Fact]
    public async Task After_refusing_all_every_request_gets_the_reason_and_nothing_reaches_the_server()
    {
        await using var fixture = await RelayFixture.StartAsync();
        fixture.Server.Hold = true;
        await fixture.Client.SendAsync(Request(1, "tools/call"));
        await fixture.Server.WaitForAsync(m => m is JsonRpcRequest { Method: "tools/call" });
        var sentBefore = fixture.Server.Received.Count;

        await fixture.Relay.RefuseAllAsync(new JsonRpcErrorDetail { Code = RelayErrors.AuthorizationFailed, Message = "no way in" });
        await fixture.Client.SendAsync(Request(2, "tools/list"));

        Assert.Equal("no way in", Assert.IsType<JsonRpcError>(await fixture.Client.ReadAnswerAsync(1)).Error.Message);
        Assert.Equal("no way in", Assert.IsType<JsonRpcError>(await fixture.Client.ReadAnswerAsync(2)).Error.Message);
        Assert.Equal(sentBefore, fixture.Server.Received.Count);
    }

    [Fact]
    public void Ledger_closes_each_request_once()
    {
        var ledger = new RequestLedger();
        var opened = ledger.Open(Request(1, "tools/call"));

        Assert.Same(opened, ledger.Close(new RequestId(1)));
        Assert.Null(ledger.Close(new RequestId(1)));
        Assert.True(ledger.IsEmpty);
    }

    [Fact]
    public async Task Ledger_tells_when_it_empties()
    {
        var ledger = new RequestLedger();
        ledger.Open(Request(1, "a"));
        ledger.Open(Request(2, "b"));
        var empty = ledger.WhenEmptyAsync(TimeSpan.FromMinutes(1), TimeProvider.System, Ct);

        ledger.Close(new RequestId(1));
        Assert.False(empty.IsCompleted);
        ledger.Close(new RequestId(2));
        await empty.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    private static JsonRpcRequest Request(object id, string method) => new()
    {
        Id = id is string s ? new RequestId(s) : new RequestId(Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture)),
        Method = method,
        Params = new JsonObject(),
    };

    private static JsonRpcMessage AnswerTo(JsonRpcRequest request) => request.Method switch
    {
        // A 2025-era server: it does not know server/discover.
        RequestMethods.ServerDiscover => new JsonRpcError { Id = request.Id, Error = new JsonRpcErrorDetail { Code = -32601, Message = "Method not found" } },
        _ => new JsonRpcResponse { Id = request.Id, Result = new JsonObject { ["ok"] = true } },
    };

    private sealed class RelayFixture : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();

        public required MemoryTransport Client { get; init; }
        public required ScriptedServer Server { get; init; }
        public required McpRelay Relay { get; init; }
        public required Task Running { get; init; }

        public static async Task<RelayFixture> StartAsync(TimeSpan? drain = null)
        {
            var client = new MemoryTransport();
            var server = new ScriptedServer();
            var relay = new McpRelay(client.Far, _ => Task.FromResult<ITransport>(server.Connect()), new Uri("http://mcp.test/mcp"), TimeProvider.System, NullLogger<McpRelay>.Instance)
            {
                DrainTimeout = drain ?? TimeSpan.FromSeconds(30),
            };
            var fixture = new RelayFixture { Client = client, Server = server, Relay = relay, Running = relay.RunAsync(CancellationToken.None) };
            await client.SendAsync(new JsonRpcRequest { Id = new RequestId("init"), Method = RequestMethods.Initialize, Params = new JsonObject { ["protocolVersion"] = "2025-11-25", ["capabilities"] = new JsonObject(), ["clientInfo"] = new JsonObject { ["name"] = "t", ["version"] = "1" } } });
            await client.ReadAnswerAsync("init");
            return fixture;
        }

        public async ValueTask DisposeAsync()
        {
            Client.Close();
            await Running.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Relay.DisposeAsync();
            _stop.Dispose();
        }
    }

    /// <summary>A 2025-era server behind the relay; <see cref="Hold"/> keeps tools/call unanswered until released.</summary>
    private sealed class ScriptedServer
    {
        private readonly List<JsonRpcRequest> _held = [];
        private MemoryTransport? _current;

        public List<JsonRpcMessage> Received { get; } = [];

        public bool Hold { get; set; }

        public ITransport Connect()
        {
            var transport = new MemoryTransport();
            _current = transport;
            _ = ServeAsync(transport);
            return transport.Far;
        }

        private async Task ServeAsync(MemoryTransport transport)
        {
            await foreach (var message in transport.Incoming.ReadAllAsync())
            {
                lock (Received)
                {
                    Received.Add(message);
                }

                if (message is JsonRpcRequest request)
                {
                    if (Hold && request.Method == "tools/call")
                    {
                        lock (_held)
                        {
                            _held.Add(request);
                        }

                        continue;
                    }

                    await transport.SendAsync(AnswerTo(request));
                }
            }
        }

        public void ReleaseHeld()
        {
            lock (_held)
            {
                foreach (var request in _held)
                {
                    _ = _current!.SendAsync(AnswerTo(request));
                }

                _held.Clear();
            }
        }

        public void Drop() => _current!.Close();

        public async Task WaitForAsync(Func<JsonRpcMessage, bool> seen)
        {
            for (var i = 0; i < 500; i++)
            {
                lock (Received)
                {
                    if (Received.Any(seen))
                    {
                        return;
                    }
                }

                await Task.Delay(20, Ct);
            }

            throw new TimeoutException("the server never saw the message");
        }
    }

    /// <summary>Two ends of an in-memory JSON-RPC pipe: this end (the test) and <see cref="Far"/> (given to the relay).</summary>
    private sealed class MemoryTransport
    {
        private readonly Channel<JsonRpcMessage> _toFar = Channel.CreateUnbounded<JsonRpcMessage>();
        private readonly Channel<JsonRpcMessage> _fromFar = Channel.CreateUnbounded<JsonRpcMessage>();

        public MemoryTransport() => Far = new FarEnd(this);

        public ITransport Far { get; }

        public ChannelReader<JsonRpcMessage> Incoming => _fromFar.Reader;

        public List<JsonRpcMessage> Received { get; } = [];

        public async Task SendAsync(JsonRpcMessage message) => await _toFar.Writer.WriteAsync(message, Ct);

        public void Close()
        {
            _toFar.Writer.TryComplete();
        }

        public async Task<JsonRpcMessage> ReadAnswerAsync(object id)
        {
            var wanted = id is string s ? new RequestId(s) : new RequestId(Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            lock (Received)
            {
                if (Received.FirstOrDefault(m => m is JsonRpcMessageWithId { Id: var got } && got == wanted && m is not JsonRpcRequest) is { } already)
                {
                    return already;
                }
            }

            while (true)
            {
                var message = await _fromFar.Reader.ReadAsync(timeout.Token);
                lock (Received)
                {
                    Received.Add(message);
                }

                if (message is JsonRpcMessageWithId { Id: var got } && got == wanted && message is not JsonRpcRequest)
                {
                    return message;
                }
            }
        }

        private sealed class FarEnd(MemoryTransport owner) : ITransport
        {
            public string? SessionId => null;

            public ChannelReader<JsonRpcMessage> MessageReader => owner._toFar.Reader;

            public async Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
            {
                if (!owner._fromFar.Writer.TryWrite(message))
                {
                    throw new IOException("closed");
                }

                await Task.CompletedTask;
            }

            public ValueTask DisposeAsync()
            {
                owner._fromFar.Writer.TryComplete();
                return ValueTask.CompletedTask;
            }
        }
    }
}
