using System.Diagnostics;
using System.Text.Json;
using McpAuthProxy.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Tests.Bridge;

/// <summary>Every JSON-RPC message passes both ways, unchanged and concurrently, over both HTTP transports.</summary>
[Collection(nameof(StackCollection))]
public sealed class BridgeRelayTests(StackFixture fixture, ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    [Fact]
    public async Task Concurrent_tool_calls_return_out_of_order_each_with_its_own_answer()
    {
        using var run = new BridgeRun(output);
        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);
        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "warm" }, cancellationToken: Ct);

        var stopwatch = Stopwatch.StartNew();
        var slow = client.CallToolAsync("slow", new Dictionary<string, object?> { ["ms"] = 1500, ["label"] = "slow" }, cancellationToken: Ct).AsTask();
        var quick = await client.CallToolAsync("slow", new Dictionary<string, object?> { ["ms"] = 10, ["label"] = "quick" }, cancellationToken: Ct);
        var quickDone = stopwatch.Elapsed;

        Assert.Equal("quick", Text(quick));
        Assert.False(slow.IsCompleted);
        Assert.True(quickDone < TimeSpan.FromMilliseconds(1400), $"the quick call took {quickDone}");
        Assert.Equal("slow", Text(await slow));
    }

    [Fact]
    public async Task Many_concurrent_calls_each_get_their_own_answer()
    {
        using var run = new BridgeRun(output);
        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);

        var calls = Enumerable.Range(0, 24).Select(i =>
            client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = i, ["b"] = 1000 }, cancellationToken: Ct).AsTask()).ToArray();
        var results = await Task.WhenAll(calls);

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal((i + 1000).ToString(System.Globalization.CultureInfo.InvariantCulture), Text(results[i]));
        }
    }

    [Fact]
    public async Task Sampling_request_from_the_server_round_trips_through_the_bridge()
    {
        using var run = new BridgeRun(output);
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                SamplingHandler = (request, _, _) => ValueTask.FromResult(new CreateMessageResult
                {
                    Model = "test-model",
                    Role = Role.Assistant,
                    Content = [new TextContentBlock { Text = "42 because " + ((TextContentBlock)request!.Messages[0].Content[0]).Text }],
                }),
            },
        };
        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct, options);

        var result = await client.CallToolAsync("ask_llm", new Dictionary<string, object?> { ["prompt"] = "why?" }, cancellationToken: Ct);

        Assert.Equal("model said: 42 because why?", Text(result));
    }

    [Fact]
    public async Task Elicitation_request_from_the_server_round_trips_through_the_bridge()
    {
        using var run = new BridgeRun(output);
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (_, _) => ValueTask.FromResult(new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("Ada") },
                }),
            },
        };
        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct, options);

        var result = await client.CallToolAsync("ask_user", cancellationToken: Ct);

        Assert.Equal("user said: accept Ada", Text(result));
    }

    [Fact]
    public async Task Legacy_sse_backend_works_when_the_url_ends_in_sse()
    {
        using var run = new BridgeRun(output);
        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack, fixture.Stack.Sse), Ct);

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "over sse" }, cancellationToken: Ct);

        Assert.Equal("Echo: over sse", Text(result));
    }

    [Fact]
    public async Task Lost_server_session_is_reestablished_and_the_next_request_works()
    {
        using var run = new BridgeRun(output);
        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);
        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "before" }, cancellationToken: Ct);

        await fixture.Stack.DropSessionsAsync(Ct);
        var first = await Record.ExceptionAsync(() => client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "during" }, cancellationToken: Ct).AsTask());
        var after = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "after" }, cancellationToken: Ct);

        Assert.Equal("Echo: after", Text(after));
        if (first is not null)
        {
            // The request caught by the break is answered with an error carrying its id, never left hanging.
            Assert.IsType<ModelContextProtocol.McpProtocolException>(first);
        }
    }

    [Fact]
    public async Task Lost_sse_stream_is_reconnected_and_requests_in_flight_get_an_error_with_their_id()
    {
        using var run = new BridgeRun(output);
        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack, fixture.Stack.Sse), Ct);
        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "before" }, cancellationToken: Ct);

        var inFlight = client.CallToolAsync("slow", new Dictionary<string, object?> { ["ms"] = 3000, ["label"] = "never" }, cancellationToken: Ct).AsTask();
        await Task.Delay(300, Ct);
        await fixture.Stack.DropSessionsAsync(Ct);
        var error = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => inFlight);
        var after = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "after" }, cancellationToken: Ct);

        Assert.Contains("connection to the MCP server", error.Message);
        Assert.Equal("Echo: after", Text(after));
    }
}
