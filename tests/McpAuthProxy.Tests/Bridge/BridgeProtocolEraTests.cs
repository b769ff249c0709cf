using System.Text.Json;
using System.Text.Json.Nodes;
using McpAuthProxy.Testing;
using McpAuthProxy.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Tests.Bridge;

/// <summary>A client of one protocol era reaches a server of the other through the bridge.</summary>
[Collection(nameof(StackCollection))]
public sealed class BridgeProtocolEraTests(StackFixture fixture, ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Client_of_2025_reaches_a_server_that_speaks_only_2026_07_28()
    {
        await using var server = ChildProcess.Start(RepoPaths.Node, [Path.Combine(RepoPaths.E2E, "modern-server.mjs")], output: output.WriteLine, workingDirectory: RepoPaths.E2E);
        var modern = JsonDocument.Parse(await server.ReadStdoutLineAsync(Ct)).RootElement.GetProperty("mcp").GetString()!;
        using var run = new BridgeRun(output);

        await using var client = ChildProcess.Start(RepoPaths.Node, [Path.Combine(RepoPaths.E2E, "legacy-client.mjs"), "dotnet", RepoPaths.ProxyDll, modern, "--token-dir", run.TokenDir],
            run.BuildEnvironment(), output.WriteLine, workingDirectory: RepoPaths.E2E);
        var seen = JsonDocument.Parse(await client.ReadStdoutLineAsync(Ct)).RootElement;

        Assert.False(seen.TryGetProperty("error", out var error), error.ToString());
        Assert.Equal("modern-mcp", seen.GetProperty("server").GetProperty("name").GetString());
        Assert.Equal("A 2026-07-28-only server.", seen.GetProperty("instructions").GetString());
        Assert.Equal(["echo", "needs_input"], seen.GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("Echo: from 2025", seen.GetProperty("echo").GetString());
        Assert.Contains("input_required", seen.GetProperty("needsInput").GetString());
        Assert.Equal(0, await client.WaitForExitAsync(Ct));
    }

    [Fact]
    public async Task Typescript_client_of_2025_reaches_a_2026_only_server_that_gives_no_instructions()
    {
        // The TypeScript SDK (Claude Desktop, VS Code, Inspector) refuses an initialize answer with "instructions": null.
        await using var server = ChildProcess.Start(RepoPaths.Node, [Path.Combine(RepoPaths.E2E, "modern-server.mjs"), "--no-instructions"], output: output.WriteLine, workingDirectory: RepoPaths.E2E);
        var modern = JsonDocument.Parse(await server.ReadStdoutLineAsync(Ct)).RootElement.GetProperty("mcp").GetString()!;
        using var run = new BridgeRun(output);

        await using var client = ChildProcess.Start(RepoPaths.Node, [Path.Combine(RepoPaths.E2E, "legacy-client.mjs"), "dotnet", RepoPaths.ProxyDll, modern, "--token-dir", run.TokenDir],
            run.BuildEnvironment(), output.WriteLine, workingDirectory: RepoPaths.E2E);
        var seen = JsonDocument.Parse(await client.ReadStdoutLineAsync(Ct)).RootElement;

        Assert.False(seen.TryGetProperty("error", out var error), error.ToString());
        Assert.Equal("modern-mcp", seen.GetProperty("server").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Undefined, seen.TryGetProperty("instructions", out var instructions) ? instructions.ValueKind : JsonValueKind.Undefined);
        Assert.Equal("Echo: from 2025", seen.GetProperty("echo").GetString());
        Assert.Equal(0, await client.WaitForExitAsync(Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_message_a_2025_client_gets_from_a_2026_only_server_is_valid_2025_11_25(bool serverGivesInstructions)
    {
        await using var server = ChildProcess.Start(RepoPaths.Node, [Path.Combine(RepoPaths.E2E, "modern-server.mjs"), .. serverGivesInstructions ? Array.Empty<string>() : ["--no-instructions"]],
            output: output.WriteLine, workingDirectory: RepoPaths.E2E);
        var modern = new Uri(JsonDocument.Parse(await server.ReadStdoutLineAsync(Ct)).RootElement.GetProperty("mcp").GetString()!);
        using var run = new BridgeRun(output);
        await using var bridge = run.StartRaw([modern.AbsoluteUri, "--token-dir", run.TokenDir]);
        var client = new CheckedConversation(bridge, "2025-11-25");

        await client.CallAsync(1, "initialize", JsonNode.Parse("""{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"checked","version":"1"}}""")!.AsObject(), Ct);
        await client.NotifyAsync("notifications/initialized");
        await client.CallAsync(2, "ping", null, Ct);
        await client.CallAsync(3, "logging/setLevel", new() { ["level"] = "info" }, Ct);
        await client.CallAsync(4, "tools/list", null, Ct);
        await client.CallAsync(5, "tools/call", new() { ["name"] = "echo", ["arguments"] = new JsonObject { ["message"] = "checked" } }, Ct);
        var needsInput = await client.CallAsync(6, "tools/call", new() { ["name"] = "needs_input", ["arguments"] = new JsonObject() }, Ct);
        var unknown = await client.CallAsync(7, "prompts/list", null, Ct);
        await client.CallAsync(8, "initialize", JsonNode.Parse("""{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"checked","version":"1"}}""")!.AsObject(), Ct);

        Assert.Empty(client.Problems);
        Assert.Equal(8, client.Received.Count(m => m.ContainsKey("id")));
        Assert.NotNull(needsInput["error"]);
        Assert.NotNull(unknown["error"]);
    }

    [Fact]
    public async Task Every_message_a_2026_client_gets_from_a_2025_era_server_is_valid_2026_07_28()
    {
        using var run = new BridgeRun(output);
        await using var bridge = run.StartRaw(BridgeRun.Args(fixture.Stack));
        var client = new CheckedConversation(bridge, "2026-07-28");
        JsonObject Meta() => new()
        {
            ["_meta"] = new JsonObject
            {
                ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
                ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
                ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "checked", ["version"] = "1" },
            },
        };

        await client.CallAsync(1, "server/discover", Meta(), Ct);
        await client.CallAsync(2, "tools/list", Meta(), Ct);
        var call = Meta();
        call["name"] = "echo";
        call["arguments"] = new JsonObject { ["message"] = "checked" };
        var echoed = await client.CallAsync(3, "tools/call", call, Ct);
        await client.CallAsync(4, "server/discover", Meta(), Ct);

        Assert.Empty(client.Problems);
        Assert.Equal("Echo: checked", (string?)echoed["result"]!["content"]![0]!["text"]);
    }

    [Fact]
    public async Task Client_that_falls_back_to_initialize_after_its_discover_probe_gets_the_servers_answer()
    {
        using var run = new BridgeRun(output);
        await using var bridge = run.StartRaw(BridgeRun.Args(fixture.Stack));
        var meta = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
            ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
        };

        await bridge.WriteLineAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "server/discover", ["params"] = new JsonObject { ["_meta"] = meta } }.ToJsonString());
        var discovered = (await Rpc.ReadUntilAnswerAsync(bridge, 1, Ct))[^1];
        // A client whose probe timed out falls back to the 2025 handshake on the same connection.
        await bridge.WriteLineAsync(Rpc.Initialize(2, "2025-11-25"));
        var initialized = (await Rpc.ReadUntilAnswerAsync(bridge, 2, Ct))[^1];
        await bridge.WriteLineAsync(Rpc.Initialized);
        await bridge.WriteLineAsync(Rpc.Call(3, "echo", new() { ["message"] = "after fallback" }));
        var called = (await Rpc.ReadUntilAnswerAsync(bridge, 3, Ct))[^1];

        Assert.Equal("2026-07-28", (string?)discovered["result"]!["supportedVersions"]![0]);
        Assert.Equal("stack-mcp", (string?)initialized["result"]!["serverInfo"]!["name"]);
        Assert.Equal("Echo: after fallback", (string?)called["result"]!["content"]![0]!["text"]);
    }

    [Fact]
    public async Task Client_of_2026_07_28_reaches_a_2025_era_server()
    {
        using var run = new BridgeRun(output);

        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct, new McpClientOptions
        {
            ProtocolVersion = "2026-07-28",
            // The first server/discover waits for the sign-in; a client pinned to 2026-07-28 has no initialize to
            // fall back to when its probe (5 s by default) runs out first, as it can on a busy machine.
            DiscoverProbeTimeout = TestTimeouts.Default,
        });
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "from 2026" }, cancellationToken: Ct);

        Assert.Equal("2026-07-28", client.NegotiatedProtocolVersion);
        Assert.Equal("Echo: from 2026", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Contains(run.StderrLines, l => l.Contains("the client speaks 2026-07-28, the server 2025-11-25 or earlier: translating", StringComparison.Ordinal));
    }
}
