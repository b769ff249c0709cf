using System.IO.Pipelines;
using McpAuthProxy.Demo.SampleServer;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.DevIdentity.Tests.SampleServer;

/// <summary>The sample tools in process, joined to a client by two pipes.</summary>
public sealed class SampleToolsTests
{
    [Fact]
    public async Task Bad_arguments_come_back_as_a_tool_error_with_a_hint()
    {
        await using var session = await Session.StartAsync();

        var result = await session.Client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = "two" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.IsError);
        Assert.Contains("add needs numbers 'a' and 'b'", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_tool_is_a_protocol_error()
    {
        await using var session = await Session.StartAsync();

        var error = await Assert.ThrowsAsync<McpProtocolException>(() =>
            session.Client.CallToolAsync("nope", cancellationToken: TestContext.Current.CancellationToken).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
    }

    [Fact]
    public async Task Admin_reset_is_marked_destructive_and_resets_the_counter()
    {
        await using var session = await Session.StartAsync();
        await session.Client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "x" }, cancellationToken: TestContext.Current.CancellationToken);

        var tools = await session.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var reset = await session.Client.CallToolAsync("admin_reset", cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(tools.Single(t => t.Name == "admin_reset").ProtocolTool.Annotations?.DestructiveHint);
        Assert.Equal("Counters reset (1 calls before this one).", Assert.IsType<TextContentBlock>(Assert.Single(reset.Content)).Text);
    }

    [Fact]
    public void Current_time_reads_the_injected_clock_in_UTC_or_a_time_zone()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var tools = new SampleTools(clock);

        var utc = tools.Call(new CallToolRequestParams { Name = "current_time" });
        var unknown = tools.Call(new CallToolRequestParams { Name = "current_time", Arguments = new Dictionary<string, System.Text.Json.JsonElement> { ["timezone"] = System.Text.Json.JsonDocument.Parse("\"Nowhere/City\"").RootElement } });

        Assert.Equal("2026-01-02T03:04:05.0000000+00:00", Assert.IsType<TextContentBlock>(Assert.Single(utc.Content)).Text);
        Assert.True(unknown.IsError);
    }

    private sealed class Session : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _server = Task.CompletedTask;

        public McpClient Client { get; private set; } = null!;

        public static async Task<Session> StartAsync()
        {
            Pipe up = new(), down = new();
            var session = new Session();
            session._server = SampleMcpServer.RunAsync(up.Reader.AsStream(), down.Writer.AsStream(), cancellationToken: session._stop.Token);
            session.Client = await McpClient.CreateAsync(
                new StreamClientTransport(up.Writer.AsStream(), down.Reader.AsStream()),
                cancellationToken: TestContext.Current.CancellationToken).WaitAsync(TestTimeouts.Default, TestContext.Current.CancellationToken);
            return session;
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await _stop.CancelAsync();
            await _server.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stop.Dispose();
        }
    }
}
