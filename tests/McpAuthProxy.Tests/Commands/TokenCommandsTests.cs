using McpAuthProxy.Tests.Infrastructure;

namespace McpAuthProxy.Tests.Commands;

/// <summary><c>login</c>, <c>status</c> and <c>logout</c> on a real token cache.</summary>
[Collection(nameof(StackCollection))]
public sealed class TokenCommandsTests(StackFixture fixture, ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Login_signs_in_ahead_so_the_bridge_starts_without_a_browser()
    {
        using var run = new BridgeRun(output);
        await using (var login = run.StartRaw(["login", .. BridgeRun.Args(fixture.Stack)[1..]]))
        {
            Assert.Equal(0, await login.WaitForExitAsync(Ct));
            Assert.Contains(login.StderrLines, l => l.Contains("Signed in to", StringComparison.Ordinal));
        }

        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);
        await client.ListToolsAsync(cancellationToken: Ct);

        Assert.Equal(1, run.BrowserOpens);
    }

    [Fact]
    public async Task Status_shows_the_cache_without_the_token_and_logout_forgets_it()
    {
        using var run = new BridgeRun(output);
        await using (var login = run.StartRaw(["login", .. BridgeRun.Args(fixture.Stack)[1..]]))
        {
            Assert.Equal(0, await login.WaitForExitAsync(Ct));
        }

        var token = run.ReadToken(fixture.Stack);
        await using var status = run.StartRaw(["status"]);
        Assert.Equal(0, await status.WaitForExitAsync(Ct));
        var line = Assert.Single(status.StdoutLines);
        await using var logout = run.StartRaw(["logout", "--oidc-issuer-url", fixture.Stack.IssuerText]);
        Assert.Equal(0, await logout.WaitForExitAsync(Ct));

        Assert.Contains("client mcp-public", line);
        Assert.Contains("refresh token: yes", line);
        Assert.Contains(OAuth.Diagnostics.Fingerprint.Of(token.AccessToken), line);
        Assert.DoesNotContain(token.AccessToken!, line);
        Assert.False(File.Exists(run.TokenFile(fixture.Stack)));
    }
}
