using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using McpAuthProxy.Testing;
using McpAuthProxy.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Tests.Bridge;

/// <summary>MCP authorization beyond a configured issuer: discovery from the server, registration, step-up, other flows.</summary>
[Collection(nameof(StackCollection))]
public sealed partial class BridgeAuthorizationTests(StackFixture fixture, ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> CallAsync(McpClient client, string tool)
    {
        var result = await client.CallToolAsync(tool, new Dictionary<string, object?>(), cancellationToken: Ct);
        return Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
    }

    [GeneratedRegex("open (\\S+) on any device and enter the code (\\S+)")]
    private static partial Regex DeviceInstructions();

    [Fact]
    public async Task Bridge_given_only_the_server_url_discovers_the_provider_registers_and_signs_in()
    {
        using var run = new BridgeRun(output);

        await using var client = await run.ConnectAsync([fixture.Stack.Mcp.AbsoluteUri], Ct);
        var whoami = JsonDocument.Parse(await CallAsync(client, "whoami")).RootElement;

        Assert.Equal("test-user", whoami.GetProperty("sub").GetString());
        Assert.NotEqual("mcp-public", whoami.GetProperty("client").GetString());
        Assert.Contains("mcp:tools", whoami.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(1, run.BrowserOpens);
        Assert.Single(Directory.GetFiles(run.TokenDir, $"127.0.0.1_{fixture.Stack.Mcp.Port}_mcp_tokens.json"));
    }

    [Fact]
    public async Task No_resource_option_keeps_the_resource_parameter_out_of_the_sign_in()
    {
        using var run = new BridgeRun(output);

        await using var client = await run.ConnectAsync([fixture.Stack.Mcp.AbsoluteUri, "--no-resource"], Ct);
        await CallAsync(client, "whoami");

        var opened = Assert.Single(File.ReadLines(run.BrowserLog), l => l.Contains(" open ", StringComparison.Ordinal));
        Assert.DoesNotContain("resource=", opened);
        Assert.Contains("code_challenge=", opened);
    }

    [Fact]
    public async Task Discovered_registration_and_tokens_are_reused_on_the_next_start()
    {
        using var run = new BridgeRun(output);
        string firstClient;
        await using (var first = await run.ConnectAsync([fixture.Stack.Mcp.AbsoluteUri], Ct))
        {
            firstClient = JsonDocument.Parse(await CallAsync(first, "whoami")).RootElement.GetProperty("client").GetString()!;
        }

        await using var second = await run.ConnectAsync([fixture.Stack.Mcp.AbsoluteUri], Ct);
        var secondClient = JsonDocument.Parse(await CallAsync(second, "whoami")).RootElement.GetProperty("client").GetString();

        Assert.Equal(firstClient, secondClient);
        Assert.Equal(1, run.BrowserOpens);
    }

    [Fact]
    public async Task Tool_answered_with_403_insufficient_scope_leads_to_a_sign_in_for_more_scopes_then_works()
    {
        using var run = new BridgeRun(output);
        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack, extra: ["--oidc-scopes", "openid mcp:tools"]), Ct);
        Assert.Equal(1, run.BrowserOpens);

        var answer = await CallAsync(client, "admin");

        Assert.Equal("admin ok", answer);
        Assert.Equal(2, run.BrowserOpens);
        Assert.Equal("openid mcp:tools mcp:admin", run.ReadToken(fixture.Stack).RequestedScopes);
    }

    [Fact]
    public async Task Client_credentials_flow_gets_a_token_without_a_browser()
    {
        using var run = new BridgeRun(output);

        await using var client = await run.ConnectAsync([fixture.Stack.Mcp.AbsoluteUri, "--auth-flow", "client-credentials",
            "--oidc-client-id", "mcp-confidential", "--oidc-client-secret", "test-secret"], Ct);
        var whoami = JsonDocument.Parse(await CallAsync(client, "whoami")).RootElement;

        Assert.Equal("mcp-confidential", whoami.GetProperty("client").GetString());
        Assert.Equal(0, run.BrowserOpens);
    }

    [Fact]
    public async Task Device_flow_prints_a_code_and_url_and_signs_in_once_the_user_enters_it()
    {
        using var run = new BridgeRun(output);
        await using var bridge = run.StartRaw(BridgeRun.Args(fixture.Stack, extra: ["--auth-flow", "device"]));

        var line = await bridge.WaitForStderrAsync(l => DeviceInstructions().IsMatch(l), Ct);
        var match = Regex.Match(line, "\\(or open (\\S+)\\)");
        using (var browser = Process.Start(new ProcessStartInfo("dotnet") { ArgumentList = { RepoPaths.BrowserDll, match.Groups[1].Value }, UseShellExecute = false }))
        {
            await browser!.WaitForExitAsync(Ct);
        }

        await bridge.WriteLineAsync(Rpc.Initialize(1));
        var answer = (await Rpc.ReadUntilAnswerAsync(bridge, 1, Ct))[^1];

        Assert.Equal("stack-mcp", (string?)answer["result"]!["serverInfo"]!["name"]);
        Assert.Equal(0, run.BrowserOpens);
        Assert.Equal("mcp-public", run.ReadToken(fixture.Stack).ClientId);
    }
}
