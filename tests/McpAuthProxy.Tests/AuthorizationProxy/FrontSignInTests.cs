using McpAuthProxy.Testing;
using McpAuthProxy.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Tests.AuthorizationProxy;

/// <summary>
/// Real MCP clients sign in through the gateway's OAuth front at providers without dynamic registration: the bridge
/// (zero configuration, only the gateway's URL) and mcp-remote, each with the stand-in browser named in $BROWSER, which
/// answers the gateway's consent page and then the provider's own pages.
/// </summary>
public sealed class FrontSignInTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(FrontProvider.OidcProviderWithoutRegistration)]
    [InlineData(FrontProvider.EmbeddedWithoutRegistration)]
    [InlineData(FrontProvider.OidcProviderNeedingAudience)]
    public async Task Bridge_signs_in_through_the_gateways_consent_page_and_calls_a_tool(FrontProvider provider)
    {
        await using var stack = await FrontStack.StartAsync(provider, Ct);
        using var run = new BridgeRun(output);
        foreach (var (name, value) in stack.BrowserEnvironment)
        {
            run.Environment[name] = value;
        }

        try
        {
            await using (var client = await run.ConnectAsync([stack.McpUrl], Ct))
            {
                Assert.Equal("through the front", await EchoAsync(client, "through the front"));
            }

            // The second start uses the cached registration and token: no browser.
            await using (var again = await run.ConnectAsync([stack.McpUrl], Ct))
            {
                Assert.Equal("again", await EchoAsync(again, "again"));
            }
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{ex.GetType().Name}: {ex.Message}\n--- bridge\n{run.Stderr}\n--- gateway\n{stack.GatewayLog}\n--- provider\n{stack.ProviderLog}");
        }

        var browser = File.ReadAllLines(run.BrowserLog);
        Assert.Equal(1, run.BrowserOpens);
        Assert.Contains(browser, l => l.Contains("submit POST " + stack.Gateway.BaseUrl.AbsoluteUri.TrimEnd('/') + "/authorize/consent", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(FrontProvider.OidcProviderWithoutRegistration)]
    [InlineData(FrontProvider.EmbeddedWithoutRegistration)]
    [InlineData(FrontProvider.OidcProviderNeedingAudience)]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Mcp_remote_signs_in_through_the_gateways_consent_page_and_calls_a_tool(FrontProvider provider)
    {
        await using var stack = await FrontStack.StartAsync(provider, Ct);
        using var run = new BridgeRun(output);
        var browser = Path.Combine(run.Dir, "browser.sh");
        await File.WriteAllTextAsync(browser, $"#!/bin/sh\nexec dotnet '{RepoPaths.BrowserDll}' \"$@\"\n", Ct);
        File.SetUnixFileMode(browser, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var environment = new Dictionary<string, string?>(stack.BrowserEnvironment)
        {
            ["BROWSER"] = browser,
            ["TEST_BROWSER_LOG"] = run.BrowserLog,
            ["MCP_REMOTE_CONFIG_DIR"] = Path.Combine(run.Dir, "mcp-auth"),
            ["DISPLAY"] = null,
            ["WAYLAND_DISPLAY"] = null,
        };
        var stderr = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = RepoPaths.Node,
            Arguments = [Path.Combine(RepoPaths.E2E, "node_modules", "mcp-remote", "dist", "proxy.js"), stack.McpUrl, "--transport", "http-only"],
            EnvironmentVariables = environment,
            StandardErrorLines = stderr.Enqueue,
        });

        try
        {
            await using var client = await McpClient.CreateAsync(transport, cancellationToken: Ct);
            Assert.Equal("via mcp-remote", await EchoAsync(client, "via mcp-remote"));
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{ex.GetType().Name}: {ex.Message}\n--- mcp-remote\n{string.Join('\n', stderr)}\n--- gateway\n{stack.GatewayLog}\n--- provider\n{stack.ProviderLog}");
        }

        Assert.Contains(File.ReadAllLines(run.BrowserLog), l => l.Contains("/authorize/consent", StringComparison.Ordinal));
    }

    private static async Task<string> EchoAsync(McpClient client, string message)
    {
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = message }, cancellationToken: Ct);
        return Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
    }
}
