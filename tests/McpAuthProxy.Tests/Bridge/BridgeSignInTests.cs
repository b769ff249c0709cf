using McpAuthProxy.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Tests.Bridge;

/// <summary>The bridge signs the user in through a browser, caches the token and keeps it alive.</summary>
[Collection(nameof(StackCollection))]
public sealed class BridgeSignInTests(StackFixture fixture, ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> EchoAsync(McpClient client, string message)
    {
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = message }, cancellationToken: Ct);
        return Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
    }

    /// <summary>A first run of the bridge that signs in and makes one call, leaving a cached token behind.</summary>
    private async Task SignInOnceAsync(BridgeRun run)
    {
        await using var first = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);
        await EchoAsync(first, "one");
    }

    [Fact]
    public async Task First_start_signs_in_through_the_browser_then_lists_and_calls_tools()
    {
        using var run = new BridgeRun(output);

        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);
        var tools = await client.ListToolsAsync(cancellationToken: Ct);

        Assert.Contains(tools, t => t.Name == "echo");
        Assert.Equal("Echo: hello", await EchoAsync(client, "hello"));
        Assert.Equal(1, run.BrowserOpens);
        Assert.Equal("stack-mcp", client.ServerInfo?.Name);
        Assert.Equal("A test server behind OAuth.", client.ServerInstructions);
    }

    [Fact]
    public async Task Second_start_uses_the_cached_token_without_opening_the_browser()
    {
        using var run = new BridgeRun(output);
        await SignInOnceAsync(run);

        var cached = run.ReadToken(fixture.Stack);

        await using var second = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);

        Assert.Equal("Echo: two", await EchoAsync(second, "two"));
        Assert.Equal(1, run.BrowserOpens);
        Assert.Equal(cached.AccessToken, run.ReadToken(fixture.Stack).AccessToken);
    }

    [Fact]
    public async Task Token_cache_holds_an_absolute_expiry_the_client_and_the_scopes_in_a_private_file()
    {
        using var run = new BridgeRun(output);
        await SignInOnceAsync(run);

        var token = run.ReadToken(fixture.Stack);
        var file = run.TokenFile(fixture.Stack);

        Assert.EndsWith($"127.0.0.1_{fixture.Stack.Issuer.Port}_tokens.json", file);
        Assert.Equal("mcp-public", token.ClientId);
        Assert.Equal("openid profile email", token.RequestedScopes);
        Assert.NotNull(token.RefreshToken);
        Assert.InRange(token.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddMinutes(50), DateTimeOffset.UtcNow.AddMinutes(61));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(run.TokenDir));
        Assert.Empty(Directory.GetFiles(run.TokenDir, "*.tmp-*"));
    }

    [Fact]
    public async Task Expired_access_token_is_refreshed_without_the_browser()
    {
        using var run = new BridgeRun(output);
        await SignInOnceAsync(run);

        var before = run.ReadToken(fixture.Stack);
        run.WriteToken(fixture.Stack, before with { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(30) });

        await using var second = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);

        Assert.Equal("Echo: two", await EchoAsync(second, "two"));
        var after = run.ReadToken(fixture.Stack);
        Assert.NotEqual(before.AccessToken, after.AccessToken);
        Assert.NotEqual(before.RefreshToken, after.RefreshToken);
        Assert.Equal(1, run.BrowserOpens);
    }

    [Fact]
    public async Task Revoked_refresh_token_leads_to_a_new_sign_in()
    {
        using var run = new BridgeRun(output);
        await SignInOnceAsync(run);

        var before = run.ReadToken(fixture.Stack);
        await fixture.Stack.RevokeAsync(before.RefreshToken!, Ct);
        run.WriteToken(fixture.Stack, before with { ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-5) });

        await using var second = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);

        Assert.Equal("Echo: two", await EchoAsync(second, "two"));
        Assert.Equal(2, run.BrowserOpens);
        Assert.Contains(run.StderrLines, l => l.Contains("Token refresh failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Server_401_mid_session_renews_the_token_and_retries_the_request_once()
    {
        using var run = new BridgeRun(output);
        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);
        await EchoAsync(client, "before");
        var before = run.ReadToken(fixture.Stack);
        var rejectedBefore = (await fixture.Stack.StatsAsync(Ct)).GetProperty("rejectedOnPurpose").GetInt32();

        await fixture.Stack.RejectNextAsync(1, Ct);
        var answer = await EchoAsync(client, "after");

        Assert.Equal("Echo: after", answer);
        Assert.Equal(rejectedBefore + 1, (await fixture.Stack.StatsAsync(Ct)).GetProperty("rejectedOnPurpose").GetInt32());
        Assert.NotEqual(before.AccessToken, run.ReadToken(fixture.Stack).AccessToken);
        Assert.Equal(1, run.BrowserOpens);
    }

    [Fact]
    public async Task Second_401_after_renewal_reaches_the_client_as_an_error_that_says_what_happened()
    {
        using var run = new BridgeRun(output);
        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);
        await EchoAsync(client, "before");

        await fixture.Stack.RejectNextAsync(2, Ct);
        var error = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => EchoAsync(client, "after"));

        Assert.Contains("refused the access token (HTTP 401) even after it was renewed", error.Message);
        Assert.Equal("Echo: again", await EchoAsync(client, "again"));
    }

    [Fact]
    public async Task Corrupt_cache_file_is_moved_aside_and_the_user_signs_in_again()
    {
        using var run = new BridgeRun(output);
        Directory.CreateDirectory(run.TokenDir);
        await File.WriteAllTextAsync(run.TokenFile(fixture.Stack), "{ this is not json", Ct);

        await using var client = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);

        Assert.Equal("Echo: x", await EchoAsync(client, "x"));
        var aside = Assert.Single(Directory.GetFiles(run.TokenDir, "*.corrupt-*"));
        Assert.Equal("{ this is not json", await File.ReadAllTextAsync(aside, Ct));
        Assert.Contains(run.StderrLines, l => l.Contains("could not be read", StringComparison.Ordinal) && l.Contains("[warning]", StringComparison.Ordinal));
        Assert.Equal(1, run.BrowserOpens);
    }

    [Fact]
    public async Task Legacy_rust_format_file_is_read_and_its_token_used()
    {
        using var run = new BridgeRun(output);
        await SignInOnceAsync(run);

        var token = run.ReadToken(fixture.Stack);
        await File.WriteAllTextAsync(run.TokenFile(fixture.Stack),
            $$"""{ "access_token": "{{token.AccessToken}}", "refresh_token": "{{token.RefreshToken}}", "expires_in": 3600, "token_type": "Bearer", "scope": "openid" }""", Ct);

        await using var second = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);

        Assert.Equal("Echo: two", await EchoAsync(second, "two"));
        Assert.Equal(1, run.BrowserOpens);
    }

    [Fact]
    public async Task Token_cached_for_another_client_id_is_not_used()
    {
        using var run = new BridgeRun(output);
        await SignInOnceAsync(run);

        run.WriteToken(fixture.Stack, run.ReadToken(fixture.Stack) with { ClientId = "someone-else" });

        await using var second = await run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct);

        Assert.Equal("Echo: two", await EchoAsync(second, "two"));
        Assert.Equal(2, run.BrowserOpens);
        Assert.Equal("mcp-public", run.ReadToken(fixture.Stack).ClientId);
    }

    [Fact]
    public async Task Token_cached_for_narrower_scopes_is_not_used()
    {
        using var run = new BridgeRun(output);
        await SignInOnceAsync(run);

        await using var second = await run.ConnectAsync(BridgeRun.Args(fixture.Stack, extra: ["--oidc-scopes", "openid profile email mcp:tools"]), Ct);

        Assert.Equal("Echo: two", await EchoAsync(second, "two"));
        Assert.Equal(2, run.BrowserOpens);
        Assert.Equal("openid profile email mcp:tools", run.ReadToken(fixture.Stack).RequestedScopes);
    }

    [Fact]
    public async Task Two_bridges_started_at_once_share_one_sign_in()
    {
        using var run = new BridgeRun(output);

        var connecting = new[]
        {
            run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct),
            run.ConnectAsync(BridgeRun.Args(fixture.Stack), Ct),
        };
        var clients = await Task.WhenAll(connecting);
        try
        {
            Assert.Equal("Echo: a", await EchoAsync(clients[0], "a"));
            Assert.Equal("Echo: b", await EchoAsync(clients[1], "b"));
            Assert.Equal(1, run.BrowserOpens);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Confidential_client_authenticates_with_its_secret_as_the_provider_prefers()
    {
        using var run = new BridgeRun(output);
        var args = BridgeRun.Args(fixture.Stack);
        args[Array.IndexOf(args, "mcp-public")] = "mcp-confidential";

        await using var client = await run.ConnectAsync([.. args, "--oidc-client-secret", "test-secret"], Ct);

        Assert.Equal("Echo: s", await EchoAsync(client, "s"));
        Assert.Equal("mcp-confidential", run.ReadToken(fixture.Stack).ClientId);
    }
}
