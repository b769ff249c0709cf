using System.Diagnostics;
using System.Text.RegularExpressions;
using McpAuthProxy.Testing;
using McpAuthProxy.Tests.Infrastructure;

namespace McpAuthProxy.Tests.Bridge;

/// <summary>What a client sees on the bridge's stdio, line by line: JSON-RPC only, in order, and errors with ids.</summary>
[Collection(nameof(StackCollection))]
public sealed partial class BridgeStdioTests(StackFixture fixture, ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex("open this URL: (\\S+)")]
    private static partial Regex SignInUrl();

    [Fact]
    public async Task Requests_in_flight_when_the_client_closes_its_input_are_still_answered()
    {
        using var run = new BridgeRun(output);
        await using var bridge = run.StartRaw(BridgeRun.Args(fixture.Stack));
        await bridge.WriteLineAsync(Rpc.Initialize(1));
        await Rpc.ReadUntilAnswerAsync(bridge, 1, Ct);
        await bridge.WriteLineAsync(Rpc.Initialized);

        await bridge.WriteLineAsync(Rpc.Call(2, "slow", new() { ["ms"] = 1500, ["label"] = "late" }));
        await bridge.WriteLineAsync(Rpc.Call(3, "echo", new() { ["message"] = "quick" }));
        bridge.StandardInput.Close();
        var answers = new List<System.Text.Json.Nodes.JsonObject>();
        while (answers.Count(a => a.ContainsKey("id")) < 2)
        {
            answers.Add(Rpc.Parse(await bridge.ReadStdoutLineAsync(Ct)));
        }

        Assert.Equal(0, await bridge.WaitForExitAsync(Ct));
        Assert.Contains(answers, a => (int?)a["id"] == 2 && a["result"] is not null);
        Assert.Contains(answers, a => (int?)a["id"] == 3 && a["result"] is not null);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Request_waiting_too_long_for_sign_in_gets_an_error_with_the_url_and_the_first_request_after_sign_in_works(bool configuredIssuer)
    {
        using var run = new BridgeRun(output);
        run.Environment["TEST_BROWSER_MODE"] = "ignore";
        // The same in both modes: with the issuer configured, and discovered from the server's 401.
        await using var bridge = run.StartRaw(configuredIssuer
            ? BridgeRun.Args(fixture.Stack, extra: ["--sign-in-wait", "2"])
            : [fixture.Stack.Mcp.AbsoluteUri, "--sign-in-wait", "2"]);

        await bridge.WriteLineAsync(Rpc.Initialize(1));
        var waited = Rpc.Parse(await bridge.ReadStdoutLineAsync(Ct));
        var urlLine = await bridge.WaitForStderrAsync(l => SignInUrl().IsMatch(l), Ct);
        var url = SignInUrl().Match(urlLine).Groups[1].Value;

        Assert.Equal(1, (int)waited["id"]!);
        Assert.Equal(-32002, (int)waited["error"]!["code"]!);
        Assert.Contains(url, (string)waited["error"]!["message"]!);

        // The user opens the URL by hand, signs in, and the client tries again.
        using (var browser = Process.Start(new ProcessStartInfo("dotnet") { ArgumentList = { RepoPaths.BrowserDll, url }, UseShellExecute = false }))
        {
            await browser!.WaitForExitAsync(Ct);
            Assert.Equal(0, browser.ExitCode);
        }

        await bridge.WaitForStderrAsync(l => l.Contains("Signed in", StringComparison.Ordinal), Ct);
        await bridge.WriteLineAsync(Rpc.Initialize(2));
        var answer = Rpc.Parse(await bridge.ReadStdoutLineAsync(Ct));

        Assert.Equal(2, (int)answer["id"]!);
        Assert.Equal("stack-mcp", (string?)answer["result"]!["serverInfo"]!["name"]);
    }

    [Fact]
    public async Task Stdout_carries_only_json_rpc_and_notifications_keep_their_order()
    {
        using var run = new BridgeRun(output);
        await using var bridge = run.StartRaw(BridgeRun.Args(fixture.Stack, extra: ["--debug"]));

        await bridge.WriteLineAsync(Rpc.Initialize(1));
        await Rpc.ReadUntilAnswerAsync(bridge, 1, Ct);
        await bridge.WriteLineAsync(Rpc.Initialized);
        await bridge.WriteLineAsync(Rpc.Call("call-2", "progress", progressToken: "p"));
        var lines = await Rpc.ReadUntilAnswerAsync(bridge, "call-2", Ct);

        var progress = lines.Where(l => (string?)l["method"] == "notifications/progress").Select(l => (int)l["params"]!["progress"]!).ToList();
        Assert.Equal([1, 2, 3], progress);
        Assert.Contains(lines, l => (string?)l["method"] == "notifications/message" && (string?)l["params"]!["data"] == "progress done");
        Assert.Equal("done", (string?)lines[^1]["result"]!["content"]![0]!["text"]);

        bridge.StandardInput.Close();
        Assert.Equal(0, await bridge.WaitForExitAsync(Ct));
        Assert.All(bridge.StdoutLines, line => Rpc.Parse(line));
    }

    [Fact]
    public async Task No_token_code_or_secret_appears_in_the_logs_even_with_debug()
    {
        using var run = new BridgeRun(output);
        var args = BridgeRun.Args(fixture.Stack, extra: ["--debug", "--oidc-client-secret", "test-secret"]);
        args[Array.IndexOf(args, "mcp-public")] = "mcp-confidential";
        await using var bridge = run.StartRaw(args);

        await bridge.WriteLineAsync(Rpc.Initialize(1));
        await Rpc.ReadUntilAnswerAsync(bridge, 1, Ct);
        await bridge.WriteLineAsync(Rpc.Call(2, "echo", new() { ["message"] = "x" }));
        await Rpc.ReadUntilAnswerAsync(bridge, 2, Ct);
        bridge.StandardInput.Close();
        await bridge.WaitForExitAsync(Ct);

        var token = run.ReadToken(fixture.Stack);
        var log = bridge.Stderr;
        Assert.Contains("[debug]", log);
        Assert.DoesNotContain(token.AccessToken!, log);
        Assert.DoesNotContain(token.RefreshToken!, log);
        Assert.DoesNotContain("test-secret", log);
        Assert.DoesNotContain("code=", log);
        Assert.DoesNotContain("code_verifier", log);
        Assert.Contains(OAuth.Diagnostics.Fingerprint.Of(token.AccessToken), log);
    }

    [Fact]
    public async Task Session_is_ended_with_delete_when_the_client_goes_away()
    {
        using var run = new BridgeRun(output);
        await using var bridge = run.StartRaw(BridgeRun.Args(fixture.Stack));
        await bridge.WriteLineAsync(Rpc.Initialize(1));
        await Rpc.ReadUntilAnswerAsync(bridge, 1, Ct);
        var before = (await fixture.Stack.StatsAsync(Ct)).GetProperty("deleted").GetInt32();

        bridge.StandardInput.Close();
        await bridge.WaitForExitAsync(Ct);

        Assert.Equal(before + 1, (await fixture.Stack.StatsAsync(Ct)).GetProperty("deleted").GetInt32());
    }

    [Fact]
    public async Task Bridge_exits_0_when_stdin_closes()
    {
        using var run = new BridgeRun(output);
        await using var bridge = run.StartRaw(BridgeRun.Args(fixture.Stack));
        await bridge.WriteLineAsync(Rpc.Initialize(1));
        await Rpc.ReadUntilAnswerAsync(bridge, 1, Ct);

        bridge.StandardInput.Close();

        Assert.Equal(0, await bridge.WaitForExitAsync(Ct));
    }
}
