using System.Net;
using System.Text.Json.Nodes;
using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Gateway.Tests.Upstreams;

/// <summary><c>stdio.shared_process: true</c>: one real stdio process (the crash server, or server-everything) behind every MCP session.</summary>
public sealed class SharedStdioProcessTests : IAsyncLifetime
{
    private const int SharedStartedEvent = 3038;

    private TestIdentityProvider _idp = null!;
    private readonly LogCollector _logs = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        NodePeers.RequireInstalled();
        _idp = await TestIdentityProvider.StartAsync();
    }

    private Task<GatewayHost> StartAsync(string script, string args, int maxSessions = 4, int maxRestarts = 5, int idleSeconds = 1800) => GatewayFixture.StartGatewayAsync($"""
        transport_mode: stdio
        stdio:
          enabled: true
          user_command: "'{NodePeers.Node}'"
          args: ["{script}", {args}]
          shared_process: true
          max_sessions: {maxSessions}
          max_restarts: {maxRestarts}
          session_idle_seconds: {idleSeconds}
        protected_resource_metadata:
          authorization_servers: ["{_idp.Issuer}"]
          scopes_supported:
            - tools/call:
              - get-env: "mcp:admin"
        """, _logs);

    private string Token(GatewayHost gateway, string scope = "mcp:tools", string subject = "alice") =>
        _idp.Issue(Url(gateway), subject, scope);

    private static string Url(GatewayHost gateway) => gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp";

    private int SharedStarts => _logs.Entries.Count(e => e.Id.Id == SharedStartedEvent);

    [Fact]
    public async Task Two_sessions_list_and_call_tools_concurrently_through_one_process_each_getting_its_own_answers()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-shared-concurrent\"");
        await using var first = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway));
        await using var second = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway, subject: "bob"));

        // Both clients number their requests from the same start, so ids overlap on the shared process; the slow
        // answers of one session come back after the fast ones of the other.
        async Task<List<string>> RunAsync(McpClient client, string who, int delayMs)
        {
            var tools = client.ListToolsAsync(cancellationToken: Ct).AsTask();
            var calls = Enumerable.Range(0, 5).Select(i => client.CallToolAsync("echo",
                new Dictionary<string, object?> { ["message"] = $"{who}-{i}", ["delayMs"] = delayMs * (5 - i) }, cancellationToken: Ct).AsTask()).ToList();
            Assert.Contains("echo", (await tools).Select(t => t.Name));
            return (await Task.WhenAll(calls)).Select(r => Assert.IsType<TextContentBlock>(r.Content.First()).Text).ToList();
        }

        var answers = await Task.WhenAll(RunAsync(first, "first", 60), RunAsync(second, "second", 0));

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"Echo: first-{i}"), answers[0]);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"Echo: second-{i}"), answers[1]);
        Assert.Equal(first.ServerInfo!.Version, second.ServerInfo!.Version);
    }

    [Fact]
    public async Task Same_request_id_in_two_sessions_gets_each_session_its_own_answer_under_its_own_id()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-shared-ids\"");
        using var http = new HttpClient { Timeout = TestTimeouts.Default };
        var a = await RawSession.OpenAsync(http, Url(gateway), Token(gateway));
        var b = await RawSession.OpenAsync(http, Url(gateway), Token(gateway, subject: "bob"));

        var slow = a.PostAsync(Mcp.ToolCall("echo", 5, """{"message":"from a","delayMs":400}"""));
        var fast = b.PostAsync(Mcp.ToolCall("echo", 5, """{"message":"from b"}"""));
        var listA = a.PostAsync("""{"jsonrpc":"2.0","id":"x","method":"tools/list"}""");
        var listB = b.PostAsync("""{"jsonrpc":"2.0","id":"x","method":"tools/list"}""");

        var fastAnswer = Assert.Single(await fast);
        Assert.False(slow.IsCompleted);
        var slowAnswer = Assert.Single(await slow);
        Assert.Equal(5, (int)fastAnswer["id"]!);
        Assert.Equal("Echo: from b", (string?)fastAnswer["result"]!["content"]![0]!["text"]);
        Assert.Equal(5, (int)slowAnswer["id"]!);
        Assert.Equal("Echo: from a", (string?)slowAnswer["result"]!["content"]![0]!["text"]);
        foreach (var list in new[] { Assert.Single(await listA), Assert.Single(await listB) })
        {
            Assert.Equal("x", (string?)list["id"]);
            Assert.NotEmpty(list["result"]!["tools"]!.AsArray());
        }
    }

    [Fact]
    public async Task Only_one_process_is_started_for_two_sessions_and_initialize_is_answered_from_its_cached_result()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-shared-one\"");
        await using var first = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway));
        await using var second = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway, subject: "bob"));

        var firstPid = await PidAsync(first);
        var secondPid = await PidAsync(second);

        Assert.Equal(firstPid, secondPid);
        Assert.Equal([firstPid], NodePeers.ChildProcesses("--marker-shared-one"));
        Assert.Equal(1, SharedStarts);
        Assert.Equal(firstPid.ToString(System.Globalization.CultureInfo.InvariantCulture), second.ServerInfo!.Version);
        Assert.Equal("2025-11-25", second.NegotiatedProtocolVersion);
    }

    [Fact]
    public async Task Shared_process_works_with_server_everything()
    {
        await using var gateway = await StartAsync(NodePeers.ServerEverything, "\"stdio\"");
        await using var user = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway));
        await using var admin = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway, "mcp:tools mcp:admin", "root"));

        var userTools = (await user.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).ToList();
        var adminTools = (await admin.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).ToList();
        var echoes = await Task.WhenAll(
            user.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "user" }, cancellationToken: Ct).AsTask(),
            admin.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "admin" }, cancellationToken: Ct).AsTask());

        Assert.DoesNotContain("get-env", userTools);
        Assert.Contains("get-env", adminTools);
        Assert.Equal("Echo: user", Assert.IsType<TextContentBlock>(echoes[0].Content.First()).Text);
        Assert.Equal("Echo: admin", Assert.IsType<TextContentBlock>(echoes[1].Content.First()).Text);
        Assert.Equal(1, SharedStarts);
    }

    [Fact]
    public async Task Ending_one_session_leaves_the_other_working_on_the_same_process()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-shared-end\"");
        var first = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway));
        await using var second = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway, subject: "bob"));
        var pid = await PidAsync(first);

        await first.DisposeAsync();

        var result = await second.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "still here" }, cancellationToken: Ct);
        Assert.Equal("Echo: still here", Assert.IsType<TextContentBlock>(result.Content.First()).Text);
        Assert.Equal(pid, await PidAsync(second));
        Assert.Equal([pid], NodePeers.ChildProcesses("--marker-shared-end"));
        await using var third = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway, subject: "carol"));
        Assert.Equal(pid, await PidAsync(third));
    }

    [Fact]
    public async Task Idle_session_is_ended_without_stopping_the_shared_process()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-shared-idle\"", idleSeconds: 1);
        using var http = new HttpClient { Timeout = TestTimeouts.Default };
        var abandoned = await RawSession.OpenAsync(http, Url(gateway), Token(gateway));
        var pid = Assert.Single(NodePeers.ChildProcesses("--marker-shared-idle"));

        await NodePeers.WaitUntilAsync(() => _logs.Entries.Any(e => e.Id.Id == 3037), "the idle session is ended");

        using var late = await http.SendAsync(Mcp.Post(Url(gateway), Mcp.ToolCall("echo"), Token(gateway), abandoned.SessionId), Ct);
        Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
        Assert.Equal([pid], NodePeers.ChildProcesses("--marker-shared-idle"));
        var fresh = await RawSession.OpenAsync(http, Url(gateway), Token(gateway));
        var answer = Assert.Single(await fresh.PostAsync(Mcp.ToolCall("pid", 1, "{}")));
        Assert.Equal(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)answer["result"]!["content"]![0]!["text"]);
    }

    [Fact]
    public async Task Crash_fails_every_sessions_in_flight_requests_with_their_ids_and_restarts_the_process()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-shared-crash\"");
        using var http = new HttpClient { Timeout = TestTimeouts.Default };
        var a = await RawSession.OpenAsync(http, Url(gateway), Token(gateway));
        var b = await RawSession.OpenAsync(http, Url(gateway), Token(gateway, subject: "bob"));
        var before = Assert.Single(NodePeers.ChildProcesses("--marker-shared-crash"));

        var waiting = a.PostAsync(Mcp.ToolCall("echo", 41, """{"message":"never","delayMs":20000}"""));
        await Task.Delay(300, Ct);
        var crashed = await b.PostAsync(Mcp.ToolCall("crash", 42, "{}"));

        var crashAnswer = Assert.Single(crashed);
        Assert.Equal(42, (int)crashAnswer["id"]!);
        Assert.NotNull(crashAnswer["error"]);
        var waitingAnswer = Assert.Single(await waiting);
        Assert.Equal(41, (int)waitingAnswer["id"]!);
        Assert.Contains("exited", (string?)waitingAnswer["error"]!["message"], StringComparison.Ordinal);

        int? after = null;
        await NodePeers.WaitUntilAsync(() =>
        {
            var answer = a.PostAsync(Mcp.ToolCall("pid", 43, "{}")).GetAwaiter().GetResult().Single();
            after = answer["result"]?["content"]?[0]?["text"] is { } text ? int.Parse((string)text!, System.Globalization.CultureInfo.InvariantCulture) : null;
            return after is not null;
        }, "the restarted process answers");
        Assert.NotEqual(before, after);
        Assert.Equal([after!.Value], NodePeers.ChildProcesses("--marker-shared-crash"));
        var fromB = Assert.Single(await b.PostAsync(Mcp.ToolCall("echo", 44, """{"message":"b again"}""")));
        Assert.Equal("Echo: b again", (string?)fromB["result"]!["content"]![0]!["text"]);
        Assert.Equal(2, SharedStarts);
    }

    [Fact]
    public async Task Progress_goes_to_the_session_that_owns_the_token_and_list_changed_to_every_session()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-shared-notify\"");
        using var http = new HttpClient { Timeout = TestTimeouts.Default };
        var a = await RawSession.OpenAsync(http, Url(gateway), Token(gateway));
        var b = await RawSession.OpenAsync(http, Url(gateway), Token(gateway, subject: "bob"));

        // The same token in both sessions: each gets only its own progress, with its own token.
        const string WithToken = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"MSG","delayMs":300},"_meta":{"progressToken":"tok"}}}""";
        var fromA = a.PostAsync(WithToken.Replace("MSG", "a", StringComparison.Ordinal));
        var fromB = b.PostAsync(WithToken.Replace("MSG", "b", StringComparison.Ordinal));
        foreach (var (messages, who) in new[] { (await fromA, "a"), (await fromB, "b") })
        {
            var progress = Assert.Single(messages, m => (string?)m["method"] == "notifications/progress");
            Assert.Equal("tok", (string?)progress["params"]!["progressToken"]);
            Assert.Equal($"progress {who}", (string?)progress["params"]!["message"]);
            Assert.Equal($"Echo: {who}", (string?)messages.Single(m => m["id"] is not null)["result"]!["content"]![0]!["text"]);
        }

        // b waits on a slow call while a makes the server announce a list change: both hear it.
        var slowB = b.PostAsync(Mcp.ToolCall("echo", 2, """{"message":"slow","delayMs":600}"""));
        await Task.Delay(150, Ct);
        var announced = await a.PostAsync(Mcp.ToolCall("list-changed", 3, "{}"));
        Assert.Contains(announced, m => (string?)m["method"] == "notifications/tools/list_changed");
        Assert.Contains(await slowB, m => (string?)m["method"] == "notifications/tools/list_changed");
    }

    [Fact]
    public async Task Server_request_goes_to_the_only_session_with_a_request_in_flight_and_is_refused_when_several_have()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-shared-roots\"");
        var rootsOptions = new McpClientOptions
        {
            ProtocolVersion = "2025-11-25",
            Capabilities = new ClientCapabilities { Roots = new RootsCapability() },
            Handlers = new McpClientHandlers
            {
                RootsHandler = (_, _) => ValueTask.FromResult(new ListRootsResult { Roots = [new Root { Uri = "file:///only-session", Name = "mine" }] }),
            },
        };
        await using var first = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(Url(gateway)),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {Token(gateway)}" },
        }), rootsOptions, cancellationToken: Ct);
        await using var second = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway, subject: "bob"));

        var alone = await first.CallToolAsync("roots", cancellationToken: Ct);
        Assert.Contains("file:///only-session", Assert.IsType<TextContentBlock>(alone.Content.First()).Text, StringComparison.Ordinal);

        var busy = second.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "busy", ["delayMs"] = 1500 }, cancellationToken: Ct).AsTask();
        await Task.Delay(200, Ct);
        var ambiguous = await first.CallToolAsync("roots", cancellationToken: Ct);
        var text = Assert.IsType<TextContentBlock>(ambiguous.Content.First()).Text;
        Assert.Contains("\"error\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("only-session", text, StringComparison.Ordinal);
        Assert.Equal("Echo: busy", Assert.IsType<TextContentBlock>((await busy).Content.First()).Text);
    }

    [Fact]
    public async Task Legacy_sse_and_streamable_http_sessions_share_the_process_and_closing_the_stream_leaves_it_running()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-shared-legacy\"");
        await using var modern = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway));
        var legacy = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(gateway.BaseUrl, "/sse"),
            TransportMode = HttpTransportMode.Sse,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {Token(gateway, subject: "bob")}" },
        }), new McpClientOptions { ProtocolVersion = "2024-11-05" }, cancellationToken: Ct);

        var result = await legacy.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "legacy shared" }, cancellationToken: Ct);
        Assert.Equal("Echo: legacy shared", Assert.IsType<TextContentBlock>(result.Content.First()).Text);
        var pid = await PidAsync(modern);
        Assert.Equal(pid, await PidAsync(legacy));
        await legacy.DisposeAsync();

        Assert.Equal(pid, await PidAsync(modern));
        Assert.Equal([pid], NodePeers.ChildProcesses("--marker-shared-legacy"));
    }

    [Fact]
    public async Task Max_sessions_still_caps_sessions_on_a_shared_process()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-shared-cap\"", maxSessions: 1);
        await using var client = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway));
        using var http = new HttpClient();

        var refused = await http.SendAsync(Mcp.Post(Url(gateway), Mcp.Initialize, Token(gateway, subject: "bob")), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Single(NodePeers.ChildProcesses("--marker-shared-cap"));
    }

    [Fact]
    public async Task Stopping_the_gateway_stops_the_shared_process()
    {
        var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-shared-shutdown\"");
        await using var client = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway));
        Assert.Single(NodePeers.ChildProcesses("--marker-shared-shutdown"));

        await gateway.DisposeAsync();

        await NodePeers.WaitUntilAsync(() => NodePeers.ChildProcesses("--marker-shared-shutdown").Count == 0, "the shared process is stopped");
    }

    private static async Task<int> PidAsync(McpClient client)
    {
        var result = await client.CallToolAsync("pid", cancellationToken: Ct);
        return int.Parse(Assert.IsType<TextContentBlock>(result.Content.First()).Text, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync() => await _idp.DisposeAsync();

    /// <summary>A Streamable HTTP session by hand, to choose request ids and see every message of a POST's stream.</summary>
    private sealed class RawSession(HttpClient http, string url, string token, string sessionId)
    {
        public static async Task<RawSession> OpenAsync(HttpClient http, string url, string token)
        {
            using var initialized = await http.SendAsync(Mcp.Post(url, Mcp.Initialize, token), Ct);
            Assert.Equal(HttpStatusCode.OK, initialized.StatusCode);
            var session = new RawSession(http, url, token, initialized.Headers.GetValues("Mcp-Session-Id").Single());
            using var notified = await http.SendAsync(Mcp.Post(url, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", token, session._sessionId), Ct);
            Assert.Equal(HttpStatusCode.Accepted, notified.StatusCode);
            return session;
        }

        private readonly string _sessionId = sessionId;

        public string SessionId => _sessionId;

        /// <summary>Every JSON-RPC message of the answer (an SSE stream or one JSON body).</summary>
        public async Task<List<JsonObject>> PostAsync(string body)
        {
            using var response = await http.SendAsync(Mcp.Post(url, body, token, _sessionId), Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
            if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            {
                return [JsonNode.Parse(text)!.AsObject()];
            }

            return text.Split('\n')
                .Where(line => line.StartsWith("data:", StringComparison.Ordinal) && line.Length > 5)
                .Select(line => JsonNode.Parse(line[5..].Trim())!.AsObject())
                .ToList();
        }
    }
}
