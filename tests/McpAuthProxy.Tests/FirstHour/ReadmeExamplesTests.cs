using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using McpAuthProxy.Commands;
using McpAuthProxy.Testing;
using McpAuthProxy.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Tests.FirstHour;

/// <summary>
/// README.md's examples as a new user meets them: every command line in it is one the executable accepts, and the
/// step-by-step walk-through runs as written, in order, with `mcp-auth-proxy` on PATH as the README tells a clone to
/// put it. The only change: its fixed ports are swapped for free ones, since other tests and programs share this machine.
/// </summary>
public sealed partial class ReadmeExamplesTests(ITestOutputHelper output)
{
    private const string WalkThrough = "Try it step by step";

    /// <summary>The bridge's default sign-in callback port, which no example may take.</summary>
    private const int CallbackPort = 8080;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly JsonDocumentOptions Jsonc = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    [GeneratedRegex(@"(?:127\.0\.0\.1:|--port |listen_port: )(\d{2,5})\b")]
    private static partial Regex PortNumber();

    [Fact]
    public void Every_command_line_in_the_readme_is_one_the_executable_accepts()
    {
        var checkedLines = new List<string>();
        foreach (var block in Readme.Blocks())
        {
            var commands = block.Language is "bash" or "sh" or ""
                ? Readme.Commands(block).Select(Readme.ProxyArguments).OfType<string[]>()
                : block.Language is "json" or "jsonc" && block.Text.Contains("mcpServers", StringComparison.Ordinal) ? DesktopArguments(block.Text) : [];
            foreach (var args in commands)
            {
                var problems = Cli.Check(args);
                Assert.True(problems.Count == 0, $"README ({block.Section}): mcp-auth-proxy {string.Join(' ', args)}: {string.Join("; ", problems)}");
                checkedLines.Add(string.Join(' ', args));
            }
        }

        output.WriteLine(string.Join('\n', checkedLines));
        Assert.Contains(checkedLines, l => l.StartsWith("gateway --config", StringComparison.Ordinal));
        Assert.Contains(checkedLines, l => l.StartsWith("login ", StringComparison.Ordinal));
        Assert.Contains(checkedLines, l => l.StartsWith("demo", StringComparison.Ordinal));
    }

    /// <summary>The bridge arguments of each server in a desktop client's configuration.</summary>
    private static IEnumerable<string[]> DesktopArguments(string json)
    {
        using var document = JsonDocument.Parse(json, Jsonc);
        foreach (var server in document.RootElement.GetProperty("mcpServers").EnumerateObject())
        {
            string[] args = [.. server.Value.GetProperty("args").EnumerateArray().Select(a => a.GetString()!)];
            yield return server.Value.GetProperty("command").GetString() == "dnx" ? Readme.ProxyArguments(["dnx", .. args]) ?? [] : args;
        }
    }

    [Fact]
    public void The_examples_ports_do_not_collide_with_each_other_or_the_sign_in_callback()
    {
        var walkThrough = string.Join('\n', Readme.Blocks().Where(b => b.Section == WalkThrough).Select(b => b.Text));
        var ports = PortNumber().Matches(walkThrough).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
        var gatewayExamples = Readme.Blocks().Where(b => b.Language == "yaml").Select(b => Regex.Match(b.Text, @"listen_port: (\d+)")).Where(m => m.Success).ToList();

        Assert.Equal(2, ports.Count); // the identity provider and the gateway
        Assert.DoesNotContain(CallbackPort, ports);
        Assert.DoesNotContain(DemoCommand.DefaultIdentityProviderPort, ports);
        Assert.DoesNotContain(DemoCommand.DefaultGatewayPort, ports);
        Assert.NotEmpty(gatewayExamples);
        Assert.All(gatewayExamples, m => Assert.NotEqual(CallbackPort.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Groups[1].Value));
    }

    [Fact]
    public async Task The_walk_through_runs_as_written_in_order()
    {
        var blocks = Readme.Blocks().Where(b => b.Section == WalkThrough).ToList();
        Assert.Equal(["bash", "yaml", "bash", "bash", "json", "bash"], blocks.Select(b => b.Language));
        var ports = PortNumber().Matches(string.Join('\n', blocks.Select(b => b.Text))).Select(m => m.Groups[1].Value).Distinct()
            .ToDictionary(p => p, _ => FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        blocks = [.. blocks.Select(b => b with { Text = ports.Aggregate(b.Text, (text, port) => Regex.Replace(text, $@"\b{port.Key}\b", port.Value)) })];

        using var run = new BridgeRun(output);
        var work = Directory.CreateDirectory(Path.Combine(run.Dir, "work")).FullName;
        var proxy = OnPath(run);
        run.Environment["TEST_BROWSER_USER"] = "demo";
        run.Environment["TEST_BROWSER_PASSWORD"] = "demo-password";
        // The README keeps the default callback port 8080; another program on this shared machine may hold it.
        run.Environment["OIDC_REDIRECT_URL"] = "http://127.0.0.1:0/auth/callback";
        var servers = new List<ChildProcess>();
        var results = new List<(string[] Args, ChildProcess Process)>();
        try
        {
            foreach (var block in blocks)
            {
                switch (block.Language)
                {
                    case "yaml":
                        await File.WriteAllTextAsync(Path.Combine(work, "config.yaml"), block.Text, Ct);
                        break;
                    case "json":
                        await UseDesktopConfigurationAsync(run, proxy, block.Text, Ct);
                        break;
                    default:
                        foreach (var words in Readme.Commands(block))
                        {
                            var args = Readme.ProxyArguments(words) ?? throw new InvalidOperationException("not an mcp-auth-proxy command: " + string.Join(' ', words));
                            var process = ChildProcess.Start(proxy, args, run.BuildEnvironment(), line => output.WriteLine($"[{args[0]}] {line}"), workingDirectory: work);
                            if (args[0] is "dev-idp" or "gateway")
                            {
                                servers.Add(process);
                                await process.WaitForStderrAsync(l => l.StartsWith("listening on ", StringComparison.Ordinal), Ct);
                            }
                            else
                            {
                                results.Add((args, process));
                                Assert.True(await process.WaitForExitAsync(Ct) == 0, $"mcp-auth-proxy {string.Join(' ', args)}: {process.Stderr}");
                            }
                        }

                        break;
                }
            }

            var issuer = $"http://127.0.0.1:{ports.First().Value}/";
            Assert.Contains(Result("login").StderrLines, l => l.StartsWith($"Signed in to {issuer} as client mcp-bridge", StringComparison.Ordinal));
            var status = Assert.Single(Result("status").StdoutLines);
            Assert.Contains("client mcp-bridge", status, StringComparison.Ordinal);
            Assert.Contains("refresh token: yes", status, StringComparison.Ordinal);
            Assert.Contains($"Forgot the token for {issuer}.", Result("logout").StderrLines);
            Assert.Empty(Directory.Exists(run.TokenDir) ? Directory.GetFiles(run.TokenDir, "*_tokens.json") : []);

            foreach (var server in servers)
            {
                server.Interrupt();
                Assert.Equal(0, await server.WaitForExitAsync(Ct));
            }
        }
        finally
        {
            foreach (var process in servers.Concat(results.Select(r => r.Process)))
            {
                await process.DisposeAsync();
            }
        }

        ChildProcess Result(string command) => results.Single(r => r.Args[0] == command).Process;
    }

    /// <summary>Starts the bridge as the README's desktop configuration says, after the login: no browser, the tools listed.</summary>
    private async Task UseDesktopConfigurationAsync(BridgeRun run, string proxy, string json, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(json, Jsonc);
        var server = document.RootElement.GetProperty("mcpServers").EnumerateObject().Single().Value;
        Assert.Equal("mcp-auth-proxy", server.GetProperty("command").GetString());
        foreach (var variable in server.GetProperty("env").EnumerateObject())
        {
            run.Environment[variable.Name] = variable.Value.GetString();
        }

        var opensBefore = run.BrowserOpens;
        await using (var client = await run.ConnectAsync(proxy, [.. server.GetProperty("args").EnumerateArray().Select(a => a.GetString()!)], cancellationToken))
        {
            var tools = (await client.ListToolsAsync(cancellationToken: cancellationToken)).Select(t => t.Name).ToList();
            var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "from the README" }, cancellationToken: cancellationToken);

            Assert.Equal(["add", "current_time", "echo"], tools.Order());
            Assert.Contains("from the README", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text, StringComparison.Ordinal);
        }

        Assert.Equal(opensBefore, run.BrowserOpens);
        foreach (var variable in server.GetProperty("env").EnumerateObject())
        {
            run.Environment.Remove(variable.Name);
        }
    }

    /// <summary>
    /// A folder on PATH holding <c>mcp-auth-proxy</c> (this build's apphost), as the README's
    /// <c>export PATH=".../bin/Release/net10.0:$PATH"</c> does; DOTNET_ROOT for a .NET outside the default location.
    /// </summary>
    private static string OnPath(BridgeRun run)
    {
        var bin = Directory.CreateDirectory(Path.Combine(run.Dir, "bin")).FullName;
        var proxy = Path.Combine(bin, "mcp-auth-proxy");
        File.CreateSymbolicLink(proxy, Path.Combine(AppContext.BaseDirectory, "mcp-auth-proxy"));
        run.Environment["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        var root = new DirectoryInfo(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory()).Parent!.Parent!.Parent!.FullName;
        run.Environment["DOTNET_ROOT"] = root;
        return proxy;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
