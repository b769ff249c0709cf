using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.DevIdentity.Tests.SampleServer;

/// <summary>The sample server as the gateway will run it: <c>mcp-auth-proxy sample-server</c>, a child speaking MCP on stdio.</summary>
public sealed class SampleServerStdioTests
{
    [Fact]
    public async Task Sample_server_command_lists_its_tools_and_answers_calls_over_stdio()
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "sample",
            Command = "dotnet",
            Arguments = [RepoPaths.ProxyDll, "sample-server"],
        });
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TestTimeouts.Default);

        await using var client = await McpClient.CreateAsync(transport, cancellationToken: timeout.Token);
        var tools = await client.ListToolsAsync(cancellationToken: timeout.Token);
        var sum = await client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 3.5 }, cancellationToken: timeout.Token);
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }, cancellationToken: timeout.Token);

        Assert.Equal("mcp-auth-proxy-sample", client.ServerInfo?.Name);
        Assert.Equal(["add", "admin_reset", "current_time", "echo"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal("5.5", Assert.IsType<TextContentBlock>(Assert.Single(sum.Content)).Text);
        Assert.Equal("hello", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }
}
