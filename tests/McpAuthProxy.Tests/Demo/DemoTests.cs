using System.Text.Json;
using System.Text.RegularExpressions;
using McpAuthProxy.Testing;
using McpAuthProxy.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Tests.Demo;

/// <summary>The one-command demo: the embedded identity provider, the sample server and the gateway, on loopback.</summary>
public sealed partial class DemoTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex("\\{\\s*\"mcpServers\".*?\\n\\}", RegexOptions.Singleline)]
    private static partial Regex DesktopConfig();

    [Fact]
    public async Task Demo_check_signs_in_lists_and_calls_tools_steps_up_and_exits_0()
    {
        await using var check = ChildProcess.StartProxy(["demo", "--check"], output: output.WriteLine);

        var code = await check.WaitForExitAsync(Ct);
        foreach (var line in check.StdoutLines)
        {
            output.WriteLine(line);
        }

        Assert.Equal(0, code);
        var lines = check.StdoutLines.ToList();
        Assert.Contains(lines, l => l.Contains("ok    bridge signs in as the demo user", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("ok    tools/call echo", StringComparison.Ordinal) && l.Contains("hello from the demo", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("ok    tools/call admin_reset (403, step-up to mcp:admin)", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("FAIL", StringComparison.Ordinal));
        Assert.Matches("all steps passed in \\d+\\.\\d s", lines[^1]);
    }

    [Fact]
    public async Task Demo_port_in_use_gives_one_line_and_exit_1()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await using var demo = ChildProcess.StartProxy(["demo", "--idp-port", "0", "--gateway-port", port], output: output.WriteLine);
        var code = await demo.WaitForExitAsync(Ct);

        Assert.Equal(1, code);
        var line = Assert.Single(demo.StderrLines);
        Assert.Contains($"cannot listen", line);
        Assert.Contains("--gateway-port", line);
    }

    [Fact]
    public async Task Demo_prints_a_desktop_configuration_that_works_with_the_bridge_and_stops_on_ctrl_c()
    {
        await using var demo = ChildProcess.StartProxy(["demo", "--idp-port", "0", "--gateway-port", "0"], output: output.WriteLine);
        var lines = new List<string>();
        while (!lines.Contains("Press Ctrl+C to stop."))
        {
            lines.Add(await demo.ReadStdoutLineAsync(Ct));
        }

        var config = JsonDocument.Parse(DesktopConfig().Match(string.Join('\n', lines)).Value).RootElement.GetProperty("mcpServers").GetProperty("demo");
        using var run = new BridgeRun(output);
        foreach (var variable in config.GetProperty("env").EnumerateObject())
        {
            run.Environment[variable.Name] = variable.Value.GetString();
        }

        run.Environment["OIDC_REDIRECT_URL"] = "http://127.0.0.1:0/callback";
        run.Environment["TEST_BROWSER_USER"] = "demo";
        run.Environment["TEST_BROWSER_PASSWORD"] = "demo-password";
        // The command as printed, which works from any folder: the absolute path of this build (not on PATH here).
        var command = config.GetProperty("command").GetString()!;
        Assert.True(Path.IsPathRooted(command) && File.Exists(command), command);
        string[] args = [.. config.GetProperty("args").EnumerateArray().Select(a => a.GetString()!)];
        await using (var client = await run.ConnectAsync(command, args, Ct))
        {
            var result = await client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 3 }, cancellationToken: Ct);
            Assert.Equal("5", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
            Assert.Equal(1, run.BrowserOpens);
        }

        demo.Interrupt();

        Assert.Equal(0, await demo.WaitForExitAsync(Ct));
    }
}
