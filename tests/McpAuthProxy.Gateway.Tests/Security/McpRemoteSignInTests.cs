using McpAuthProxy.Gateway.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Gateway.Tests.Security;

/// <summary>
/// mcp-remote (a real MCP client with OAuth) starts without a token, follows the gateway's challenge to the protected
/// resource metadata, registers at oidc-provider, signs in (a headless "browser" follows the redirects), and calls a tool.
/// </summary>
public sealed class McpRemoteSignInTests : IAsyncLifetime
{
    private OidcGateway _stack = null!;
    private string _work = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _stack = await OidcGateway.StartAsync();
        _work = Directory.CreateTempSubdirectory("gateway-mcp-remote-").FullName;
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Mcp_remote_signs_in_through_the_gateways_challenge_and_calls_a_tool()
    {
        var browser = Path.Combine(_work, "browser.sh");
        await File.WriteAllTextAsync(browser, $"#!/bin/sh\nexec '{NodePeers.Node}' '{Path.Combine(RepoPaths.E2E, "gateway-browser.mjs")}' \"$@\"\n", Ct);
        File.SetUnixFileMode(browser, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var mcpUrl = _stack.McpUrl;
        var stderr = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = NodePeers.Node,
            Arguments = [Path.Combine(RepoPaths.E2E, "node_modules", "mcp-remote", "dist", "proxy.js"), mcpUrl, "--transport", "http-only"],
            EnvironmentVariables = new Dictionary<string, string?>
            {
                ["BROWSER"] = browser,
                ["MCP_REMOTE_CONFIG_DIR"] = Path.Combine(_work, "mcp-auth"),
                ["DISPLAY"] = null,
                ["WAYLAND_DISPLAY"] = null,
            },
            StandardErrorLines = stderr.Enqueue,
        });

        try
        {
            await using var client = await McpClient.CreateAsync(transport, cancellationToken: Ct);
            var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "signed in" }, cancellationToken: Ct);

            Assert.Equal("Echo: signed in", Assert.IsType<TextContentBlock>(result.Content.First()).Text);
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{ex.GetType().Name}: {ex.Message}\nmcp-remote stderr:\n{string.Join('\n', stderr)}\nidp stderr:\n{_stack.Idp.Stderr}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stack.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }
}
