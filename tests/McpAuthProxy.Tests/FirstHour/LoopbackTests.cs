using McpAuthProxy.Demo.Stack;
using McpAuthProxy.Testing;
using McpAuthProxy.Tests.Infrastructure;

namespace McpAuthProxy.Tests.FirstHour;

/// <summary>127.0.0.1 everywhere a default is printed, and what a user who writes localhost is told.</summary>
public sealed class LoopbackTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_bridge_given_localhost_for_a_gateway_named_127_0_0_1_is_told_which_url_to_use()
    {
        await using var stack = await DemoStack.StartAsync(new DemoStackOptions
        {
            IdentityProviderPort = 0,
            GatewayPort = 0,
            SampleServerCommand = ["dotnet", RepoPaths.ProxyDll, "sample-server"],
        }, Ct);
        Assert.Equal("127.0.0.1", stack.McpUrl.Host);
        var localhost = new UriBuilder(stack.McpUrl) { Host = "localhost" }.Uri;
        using var run = new BridgeRun(output);

        // Discovery mode: the bridge reads the gateway's protected resource metadata, which names 127.0.0.1.
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var client = await run.ConnectAsync([localhost.AbsoluteUri], Ct);
        });

        var expected = $"The MCP server calls itself {stack.McpUrl}, but the bridge was given {localhost}: the same machine spelled another way (127.0.0.1 vs localhost). Use the server's spelling: {stack.McpUrl}";
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, run.BrowserOpens);
    }

    [Fact]
    public async Task Dev_idp_writes_nothing_under_home_and_prints_no_warning()
    {
        using var run = new BridgeRun(output);
        await using var idp = run.StartRaw(["dev-idp", "--port", "0"]);
        await idp.WaitForStderrAsync(l => l.StartsWith("listening on http://127.0.0.1:", StringComparison.Ordinal), Ct);
        idp.Interrupt();

        Assert.Equal(0, await idp.WaitForExitAsync(Ct));
        Assert.Equal(["listening on"], idp.StderrLines.Select(l => l[..12]));
        Assert.Empty(Directory.GetFileSystemEntries(run.Home));
    }
}
