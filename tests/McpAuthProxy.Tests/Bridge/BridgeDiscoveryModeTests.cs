using System.Text.Json;
using McpAuthProxy.OAuth.Tokens;
using McpAuthProxy.Testing;
using McpAuthProxy.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Tests.Bridge;

/// <summary>
/// Discovery mode (only the server URL) behaves as a configured issuer does, on the one token engine: login, status
/// and logout with the server URL, one refresh for many bridges under the cross-process lock, rotating refresh tokens
/// never spent twice.
/// </summary>
[Collection(nameof(StackCollection))]
public sealed class BridgeDiscoveryModeTests(StackFixture fixture, ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string TokenFile(BridgeRun run) => Path.Combine(run.TokenDir, FileTokenStore.FileNameFor(fixture.Stack.Mcp.AbsoluteUri));

    private CachedToken ReadToken(BridgeRun run) => JsonSerializer.Deserialize<CachedToken>(File.ReadAllText(TokenFile(run)))!;

    private static async Task<string> EchoAsync(McpClient client, string message)
    {
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = message }, cancellationToken: Ct);
        return Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
    }

    [Fact]
    public async Task Login_status_and_logout_work_with_only_the_server_url()
    {
        using var run = new BridgeRun(output);
        var server = fixture.Stack.Mcp.AbsoluteUri;

        await using (var login = run.StartRaw(["login", server]))
        {
            Assert.Equal(0, await login.WaitForExitAsync(Ct));
            Assert.Contains(login.StderrLines, l => l.Contains("Signed in to", StringComparison.Ordinal));
        }

        await using (var client = await run.ConnectAsync([server], Ct))
        {
            Assert.Equal("Echo: after login", await EchoAsync(client, "after login"));
        }

        await using var status = run.StartRaw(["status"]);
        Assert.Equal(0, await status.WaitForExitAsync(Ct));
        var line = Assert.Single(status.StdoutLines);
        await using var logout = run.StartRaw(["logout", "--oidc-issuer-url", server]);
        Assert.Equal(0, await logout.WaitForExitAsync(Ct));

        Assert.Equal(1, run.BrowserOpens);
        Assert.Contains($"server {server}", line);
        Assert.Contains("refresh token: yes", line);
        Assert.False(File.Exists(TokenFile(run)));
    }

    [Fact]
    public async Task Five_bridges_started_together_after_expiry_refresh_once_and_no_one_signs_in_again()
    {
        // oidc-provider rotates refresh tokens and, when a used one comes back, revokes the whole grant: a second
        // refresh with the same token would end in a new browser sign-in.
        using var run = new BridgeRun(output);
        var server = fixture.Stack.Mcp.AbsoluteUri;
        await using (var first = await run.ConnectAsync([server], Ct))
        {
            await EchoAsync(first, "first");
        }

        var before = ReadToken(run);
        File.WriteAllText(TokenFile(run), JsonSerializer.Serialize(before with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }));

        var clients = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => run.ConnectAsync([server], Ct)));
        try
        {
            var echoes = await Task.WhenAll(clients.Select((c, i) => EchoAsync(c, $"bridge {i}")));

            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"Echo: bridge {i}"), echoes);
            Assert.Equal(1, run.BrowserOpens);
            var after = ReadToken(run);
            Assert.NotEqual(before.RefreshToken, after.RefreshToken);
            Assert.Single(run.StderrLines, l => l.Contains("Access token refreshed", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        // The provider does detect reuse: the refresh token spent above is refused now.
        using var http = new HttpClient();
        using var reuse = await http.PostAsync(new Uri(fixture.Stack.Issuer, "/token"), new FormUrlEncodedContent(
        [
            new("grant_type", "refresh_token"),
            new("refresh_token", before.RefreshToken!),
            new("client_id", before.ClientId!),
        ]), Ct);
        Assert.Contains("invalid_grant", await reuse.Content.ReadAsStringAsync(Ct));
    }
}
