using System.Net;
using System.Text.Json.Nodes;
using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Gateway.Tests.Upstreams;

/// <summary>The gateway in front of real stdio MCP servers (server-everything, and a server that can crash).</summary>
public sealed class StdioUpstreamTests : IAsyncLifetime
{
    private TestIdentityProvider _idp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        NodePeers.RequireInstalled();
        _idp = await TestIdentityProvider.StartAsync();
    }

    private Task<GatewayHost> StartAsync(string script, string args, int maxSessions = 4, int idleSeconds = 1800) => GatewayFixture.StartGatewayAsync($"""
        transport_mode: stdio
        stdio:
          enabled: true
          user_command: "'{NodePeers.Node}'"
          args: ["{script}", {args}]
          max_sessions: {maxSessions}
          session_idle_seconds: {idleSeconds}
          env: ["GATEWAY_STDIO_TEST=1"]
        protected_resource_metadata:
          authorization_servers: ["{_idp.Issuer}"]
          scopes_supported:
            - tools/call:
              - get-env: "mcp:admin"
              - crash: "mcp:tools"
        """);

    private string Token(GatewayHost gateway, string scope = "mcp:tools", string subject = "alice") =>
        _idp.Issue(gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp", subject, scope);

    private static string Url(GatewayHost gateway) => gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp";

    [Fact]
    public async Task A_call_is_answered_with_one_json_body_and_a_call_that_reports_progress_with_an_event_stream()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-json-answer\"");
        using var http = new HttpClient { Timeout = TestTimeouts.Default };
        using var initialized = await http.SendAsync(Mcp.Post(Url(gateway), Mcp.Initialize, Token(gateway)), Ct);
        var session = initialized.Headers.GetValues("Mcp-Session-Id").Single();
        using var notified = await http.SendAsync(Mcp.Post(Url(gateway), """{"jsonrpc":"2.0","method":"notifications/initialized"}""", Token(gateway), session), Ct);

        using var plain = await http.SendAsync(Mcp.Post(Url(gateway), Mcp.ToolCall("echo", 2, """{"message":"plain"}"""), Token(gateway), session), Ct);
        var plainBody = await plain.Content.ReadAsStringAsync(Ct);
        using var withProgress = await http.SendAsync(Mcp.Post(Url(gateway),
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"message":"slow"},"_meta":{"progressToken":"p1"}}}""", Token(gateway), session), Ct);
        var events = (await withProgress.Content.ReadAsStringAsync(Ct)).Split('\n')
            .Where(line => line.StartsWith("data: ", StringComparison.Ordinal))
            .Select(line => JsonNode.Parse(line[6..])!.AsObject())
            .ToList();

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("application/json", plain.Content.Headers.ContentType?.MediaType);
        Assert.Equal(plainBody.Length, plain.Content.Headers.ContentLength);
        Assert.Equal("Echo: plain", (string?)JsonNode.Parse(plainBody)!["result"]!["content"]![0]!["text"]);
        Assert.Equal(2, (int?)JsonNode.Parse(plainBody)!["id"]);
        Assert.Equal("text/event-stream", withProgress.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["notifications/progress", null], events.Select(e => (string?)e["method"]));
        Assert.Equal("p1", (string?)events[0]["params"]!["progressToken"]);
        Assert.Equal("Echo: slow", (string?)events[1]["result"]!["content"]![0]!["text"]);
    }

    [Fact]
    public async Task Stdio_server_answers_a_tool_call_through_the_gateway()
    {
        await using var gateway = await StartAsync(NodePeers.ServerEverything, "\"stdio\"");
        await using var client = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway));

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "over stdio" }, cancellationToken: Ct);

        Assert.Equal("Echo: over stdio", Assert.IsType<TextContentBlock>(result.Content.First()).Text);
    }

    [Fact]
    public async Task Legacy_sse_client_calls_a_stdio_server_and_closing_the_stream_stops_its_process()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-legacy\"");
        var transport = new ModelContextProtocol.Client.HttpClientTransport(new ModelContextProtocol.Client.HttpClientTransportOptions
        {
            Endpoint = new Uri(gateway.BaseUrl, "/sse"),
            TransportMode = ModelContextProtocol.Client.HttpTransportMode.Sse,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {Token(gateway)}" },
        });
        var client = await ModelContextProtocol.Client.McpClient.CreateAsync(transport,
            new ModelContextProtocol.Client.McpClientOptions { ProtocolVersion = "2024-11-05" }, cancellationToken: Ct);

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "legacy stdio" }, cancellationToken: Ct);
        Assert.Equal("Echo: legacy stdio", Assert.IsType<TextContentBlock>(result.Content.First()).Text);
        Assert.Single(NodePeers.ChildProcesses("--marker-legacy"));
        await client.DisposeAsync();

        await NodePeers.WaitUntilAsync(() => NodePeers.ChildProcesses("--marker-legacy").Count == 0, "the legacy session's process is stopped");
    }

    [Fact]
    public async Task Stdio_tools_list_hides_tools_the_caller_may_not_call()
    {
        await using var gateway = await StartAsync(NodePeers.ServerEverything, "\"stdio\"");
        await using var user = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway, "mcp:tools"));
        await using var admin = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway, "mcp:tools mcp:admin", "root"));

        var userTools = (await user.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).ToList();
        var adminTools = (await admin.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).ToList();

        Assert.Contains("echo", userTools);
        Assert.DoesNotContain("get-env", userTools);
        Assert.Contains("get-env", adminTools);
    }

    [Fact]
    public async Task Stdio_env_entries_reach_the_process_environment()
    {
        await using var gateway = await StartAsync(NodePeers.ServerEverything, "\"stdio\"");
        await using var admin = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway, "mcp:tools mcp:admin", "root"));

        var result = await admin.CallToolAsync("get-env", cancellationToken: Ct);

        Assert.Contains("GATEWAY_STDIO_TEST", string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_session_gets_its_own_process_and_delete_stops_it()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-own-process\"");
        var first = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway));
        await using var second = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway, subject: "bob"));

        var firstPid = await PidAsync(first);
        var secondPid = await PidAsync(second);
        Assert.NotEqual(firstPid, secondPid);
        Assert.Equal(2, NodePeers.ChildProcesses("--marker-own-process").Count);

        await first.DisposeAsync();

        await NodePeers.WaitUntilAsync(() => !NodePeers.ChildProcesses("--marker-own-process").Contains(firstPid), "the first session's process is stopped");
        Assert.Contains(secondPid, NodePeers.ChildProcesses("--marker-own-process"));
    }

    [Fact]
    public async Task Ending_a_session_stops_its_whole_process_tree_not_just_the_direct_child()
    {
        // sh is the direct child; the MCP server is its grandchild.
        await using var gateway = await GatewayFixture.StartGatewayAsync($"""
            transport_mode: stdio
            stdio:
              enabled: true
              user_command: "/bin/sh"
              args: ["-c", "'{NodePeers.Node}' '{NodePeers.CrashServer}' --marker-tree; exit 0"]
            protected_resource_metadata:
              authorization_servers: ["{_idp.Issuer}"]
            """);
        var client = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway));
        var serverPid = await PidAsync(client);
        Assert.Contains(serverPid, NodePeers.DescendantProcesses("--marker-tree"));
        Assert.DoesNotContain(serverPid, NodePeers.ChildProcesses("--marker-tree"));

        await client.DisposeAsync();

        await NodePeers.WaitUntilAsync(() => NodePeers.DescendantProcesses("--marker-tree").Count == 0 && !Directory.Exists($"/proc/{serverPid}"),
            "the grandchild MCP server is stopped");
    }

    [Fact]
    public async Task Stopping_the_gateway_stops_every_session_process()
    {
        var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-shutdown\"");
        await using var client = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway));
        Assert.Single(NodePeers.ChildProcesses("--marker-shutdown"));

        await gateway.DisposeAsync();

        await NodePeers.WaitUntilAsync(() => NodePeers.ChildProcesses("--marker-shutdown").Count == 0, "no session process is left");
    }

    [Fact]
    public async Task Session_abandoned_without_delete_is_ended_after_the_idle_timeout()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-idle\"", idleSeconds: 1);
        using var http = new HttpClient();

        var initialized = await http.SendAsync(Mcp.Post(Url(gateway), Mcp.Initialize, Token(gateway)), Ct);
        Assert.Equal(HttpStatusCode.OK, initialized.StatusCode);
        Assert.Single(NodePeers.ChildProcesses("--marker-idle"));

        await NodePeers.WaitUntilAsync(() => NodePeers.ChildProcesses("--marker-idle").Count == 0, "the idle session's process is stopped");
        var late = await http.SendAsync(Mcp.Post(Url(gateway), Mcp.ToolCall("echo"), Token(gateway), initialized.Headers.GetValues("Mcp-Session-Id").Single()), Ct);
        Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
    }

    [Fact]
    public async Task Sessions_beyond_max_sessions_get_503()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-cap\"", maxSessions: 1);
        await using var client = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway));
        using var http = new HttpClient();

        var refused = await http.SendAsync(Mcp.Post(Url(gateway), Mcp.Initialize, Token(gateway, subject: "bob")), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Single(NodePeers.ChildProcesses("--marker-cap"));
    }

    [Fact]
    public async Task Crashed_process_answers_with_an_error_and_is_restarted()
    {
        await using var gateway = await StartAsync(NodePeers.CrashServer, "\"--marker-crash\"");
        await using var client = await GatewayFixture.ConnectToAsync(Url(gateway), Token(gateway));
        var before = await PidAsync(client);

        await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("crash", cancellationToken: Ct).AsTask());

        int? after = null;
        await NodePeers.WaitUntilAsync(() =>
        {
            try
            {
                after = PidAsync(client).GetAwaiter().GetResult();
                return true;
            }
            catch (ModelContextProtocol.McpException)
            {
                return false;
            }
        }, "the restarted process answers");
        Assert.NotEqual(before, after);
    }

    private static async Task<int> PidAsync(ModelContextProtocol.Client.McpClient client)
    {
        var result = await client.CallToolAsync("pid", cancellationToken: Ct);
        return int.Parse(Assert.IsType<TextContentBlock>(result.Content.First()).Text, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync() => await _idp.DisposeAsync();
}
