namespace McpAuthProxy.Tests.FirstHour;

/// <summary>What a new user types wrong, and the one line each gets: the word that is wrong, and what to type instead.</summary>
public sealed class CommandLineMistakesTests
{
    [Theory]
    [InlineData("mcp-auth-proxy: unknown option '--oidc-isuer-url'; did you mean '--oidc-issuer-url'?", "--oidc-isuer-url", "http://127.0.0.1:9/", "https://mcp.example.com/mcp")]
    [InlineData("mcp-auth-proxy: unknown option '--debg'; did you mean '--debug'?", "--debg", "https://mcp.example.com/mcp")]
    [InlineData("mcp-auth-proxy: unknown command 'gatway'; did you mean 'gateway'?", "gatway")]
    [InlineData("mcp-auth-proxy: unknown command 'gatway'; did you mean 'gateway'?", "gatway", "--help")]
    [InlineData("mcp-auth-proxy: --login-timeout takes a whole number of seconds (1 or more), e.g. --login-timeout 120; 'abc' is not one.", "--login-timeout", "abc", "https://mcp.example.com/mcp")]
    [InlineData("mcp-auth-proxy dev-idp: --port takes a port number from 0 to 65535 (0 picks a free one), e.g. --port 4400; 'abc' is not one.", "dev-idp", "--port", "abc")]
    [InlineData("mcp-auth-proxy demo: --idp-port takes a port number from 0 to 65535 (0 picks a free one), e.g. --idp-port 9500; '99999' is not one.", "demo", "--idp-port", "99999")]
    [InlineData("mcp-auth-proxy logout: the server URL goes after the command: mcp-auth-proxy logout https://mcp.example.com/mcp", "https://mcp.example.com/mcp", "logout")]
    [InlineData("mcp-auth-proxy gateway: mcp-auth-proxy gateway takes no server URL; remove 'https://mcp.example.com/mcp'.", "https://mcp.example.com/mcp", "gateway")]
    [InlineData("mcp-auth-proxy gateway: unknown option '--cnfig'; did you mean '--config'?", "gateway", "--cnfig", "config.yaml")]
    [InlineData("mcp-auth-proxy gateway: unknown option '-cofnig'; did you mean '-config'?", "gateway", "-cofnig", "config.yaml")]
    [InlineData("mcp-auth-proxy gateway: unexpected argument 'config.yaml'; did you mean '--config config.yaml'?", "gateway", "config.yaml")]
    [InlineData("mcp-auth-proxy: unknown option '--config': it is an option of 'mcp-auth-proxy gateway', not of 'mcp-auth-proxy'.", "--config", "config.yaml")]
    [InlineData("mcp-auth-proxy: unknown option '-v'; did you mean '--version'?", "-v")]
    [InlineData("mcp-auth-proxy: unknown command 'help'; did you mean '--help'?", "help")]
    [InlineData("mcp-auth-proxy gateway: --config needs a value: the path of a config.yaml file, e.g. --config config.yaml.", "gateway", "--config")]
    [InlineData("mcp-auth-proxy: --sign-in-wait is given 2 times; give it once.", "--sign-in-wait", "5", "--sign-in-wait", "6", "https://mcp.example.com/mcp")]
    [InlineData("mcp-auth-proxy connect: unexpected argument 'https://b.example.com/mcp': mcp-auth-proxy connect takes one server URL.", "connect", "https://a.example.com/mcp", "https://b.example.com/mcp")]
    [InlineData("mcp-auth-proxy demo: --idp-port and --gateway-port are both 9500; give them different ports.", "demo", "--idp-port", "9500", "--gateway-port", "9500")]
    [InlineData("mcp-auth-proxy: The MCP server URL 'mcp.example.com/mcp' is not an absolute http(s) URL; write e.g. https://mcp.example.com/mcp.", "mcp.example.com/mcp")]
    [InlineData("mcp-auth-proxy status: options go after the command: mcp-auth-proxy status --token-dir /tmp/tokens", "--token-dir", "/tmp/tokens", "status")]
    [InlineData("mcp-auth-proxy gateway: --oidc-client-id is an option of the bridge (mcp-auth-proxy [options] URL), not of 'mcp-auth-proxy gateway'.", "--oidc-client-id", "c", "gateway")]
    public async Task A_mistake_gets_one_line_that_names_it_and_exit_1(string expected, params string[] args)
    {
        var result = await CliRun.RunAsync(args);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(expected, Assert.Single(result.ErrorLines));
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task Status_and_logout_take_the_server_url_after_the_command()
    {
        var tokens = Directory.CreateTempSubdirectory("first-hour-tokens-").FullName;

        var status = await CliRun.RunAsync("status", "https://mcp.example.com/mcp", "--token-dir", tokens);
        var logout = await CliRun.RunAsync("logout", "https://mcp.example.com/mcp", "--token-dir", tokens);

        Assert.Equal(0, status.ExitCode);
        Assert.StartsWith("No cached token for https://mcp.example.com/mcp", status.Output, StringComparison.Ordinal);
        Assert.Equal(0, logout.ExitCode);
        Assert.StartsWith("No cached token for https://mcp.example.com/mcp", Assert.Single(logout.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_takes_the_server_url_after_the_command()
    {
        var tokens = Directory.CreateTempSubdirectory("first-hour-tokens-").FullName;
        var login = await CliRun.RunAsync("login", "https://mcp.example.com/mcp", "--oidc-client-id", "c", "--token-dir", tokens);

        // No usage error about the URL: login goes on to discover the server's authorization (discovery mode), and
        // the one line says the server cannot be reached (no network to mcp.example.com here).
        Assert.Equal(1, login.ExitCode);
        var line = Assert.Single(login.ErrorLines);
        Assert.Contains("Cannot reach https://mcp.example.com/", line, StringComparison.Ordinal);
        Assert.DoesNotContain("goes after", line, StringComparison.Ordinal);
    }
}

/// <summary>The bridge's environment variables set wrong: the variable named, as the flag would be. Child processes, since the environment is the process's.</summary>
public sealed class EnvironmentMistakesTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("MCP_PROXY_DEBUG", "maybe", "mcp-auth-proxy: MCP_PROXY_DEBUG='maybe' is neither on (1, true, yes, on) nor off (0, false, no, off); set e.g. MCP_PROXY_DEBUG=1.")]
    [InlineData("MCP_PROXY_NO_RESOURCE", "sometimes", "mcp-auth-proxy: MCP_PROXY_NO_RESOURCE='sometimes' is neither on (1, true, yes, on) nor off (0, false, no, off); set e.g. MCP_PROXY_NO_RESOURCE=1.")]
    [InlineData("MCP_PROXY_LOGIN_TIMEOUT", "abc", "mcp-auth-proxy: MCP_PROXY_LOGIN_TIMEOUT='abc' is not a whole number of seconds (1 or more); set e.g. MCP_PROXY_LOGIN_TIMEOUT=300.")]
    [InlineData("MCP_PROXY_TRANSPORT", "carrier-pigeon", "mcp-auth-proxy: MCP_PROXY_TRANSPORT='carrier-pigeon' is not auto, streamable-http or sse; set e.g. MCP_PROXY_TRANSPORT=streamable-http.")]
    [InlineData("OIDC_ISSUER_URL", "auth.example.com", "mcp-auth-proxy: OIDC_ISSUER_URL='auth.example.com' is not an absolute http(s) URL, your identity provider's issuer; set e.g. OIDC_ISSUER_URL=https://auth.example.com.")]
    public async Task A_variable_set_wrong_gets_one_line_naming_it(string variable, string value, string expected)
    {
        using var run = new Infrastructure.BridgeRun(output);
        run.Environment[variable] = value;
        run.Environment["OIDC_CLIENT_ID"] = "c";
        await using var bridge = run.StartRaw(["https://mcp.example.com/mcp"]);

        Assert.Equal(1, await bridge.WaitForExitAsync(TestContext.Current.CancellationToken));
        Assert.Equal(expected, Assert.Single(bridge.StderrLines));
        Assert.Empty(bridge.StdoutLines);
    }
}
