using System.Net;
using System.Net.Sockets;
using McpAuthProxy.Bridge.Relay;
using McpAuthProxy.Testing;
using McpAuthProxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Tests.Bridge;

/// <summary>Each mistake a user can make gives one line that names it and the fix, and exit code 1.</summary>
public sealed class BridgeErrorTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(int ExitCode, string Stderr)> RunAsync(BridgeRun run, params string[] args)
    {
        await using var bridge = run.StartRaw(args);
        var code = await bridge.WaitForExitAsync(Ct);
        Assert.DoesNotContain("   at ", bridge.Stderr);
        Assert.Empty(bridge.StdoutLines);
        return (code, bridge.Stderr);
    }

    [Fact]
    public async Task Missing_server_url_is_named_with_its_fix()
    {
        using var run = new BridgeRun(output);

        var (code, stderr) = await RunAsync(run);

        Assert.Equal(1, code);
        Assert.Contains("No MCP server URL given", stderr);
        Assert.Contains("MCP_BACKEND_URL", stderr);
    }

    [Fact]
    public async Task Issuer_without_a_client_id_is_named_with_its_fix()
    {
        using var run = new BridgeRun(output);

        var (code, stderr) = await RunAsync(run, "https://mcp.example.com/mcp", "--oidc-issuer-url", "https://auth.example.com");

        Assert.Equal(1, code);
        Assert.Contains("No client id given: set --oidc-client-id (or OIDC_CLIENT_ID)", stderr);
    }

    [Fact]
    public async Task Malformed_url_is_refused_with_an_example()
    {
        using var run = new BridgeRun(output);

        var (code, stderr) = await RunAsync(run, "mcp.example.com/mcp", "--oidc-issuer-url", "https://auth.example.com", "--oidc-client-id", "c");

        Assert.Equal(1, code);
        Assert.Contains("'mcp.example.com/mcp' is not an absolute http(s) URL; write e.g. https://mcp.example.com/mcp", stderr);
    }

    [Fact]
    public async Task Environment_variables_stand_in_for_flags_and_an_empty_one_counts_as_unset()
    {
        using var run = new BridgeRun(output);
        run.Environment["MCP_BACKEND_URL"] = "not a url";
        run.Environment["OIDC_ISSUER_URL"] = "also not a url";
        run.Environment["OIDC_CLIENT_ID"] = "";

        var (code, stderr) = await RunAsync(run, "--oidc-issuer-url", "https://auth.example.com");

        Assert.Equal(1, code);
        Assert.Contains("'not a url' is not an absolute", stderr);
        Assert.DoesNotContain("also not a url", stderr);
        Assert.Contains("No client id given", stderr);
    }

    [Fact]
    public async Task Unreachable_issuer_says_so_and_exits_1()
    {
        using var run = new BridgeRun(output);
        var port = ClosedPort();

        var (code, stderr) = await RunAsync(run, "http://127.0.0.1:9/mcp", "--oidc-issuer-url", $"http://127.0.0.1:{port}", "--oidc-client-id", "c");

        Assert.Equal(1, code);
        Assert.Contains($"Cannot reach the identity provider at http://127.0.0.1:{port}", stderr);
        Assert.Contains("check --oidc-issuer-url", stderr);
    }

    [Fact]
    public async Task Unreachable_issuer_answers_the_clients_initialize_with_the_reason_before_exiting_1()
    {
        using var run = new BridgeRun(output);
        var port = ClosedPort();
        await using var bridge = run.StartRaw(["http://127.0.0.1:9/mcp", "--oidc-issuer-url", $"http://127.0.0.1:{port}", "--oidc-client-id", "c"]);

        await bridge.WriteLineAsync(Rpc.Initialize(1));
        var answer = Rpc.Parse(await bridge.ReadStdoutLineAsync(Ct));

        Assert.Equal(1, (int)answer["id"]!);
        Assert.Equal(RelayErrors.AuthorizationFailed, (int)answer["error"]!["code"]!);
        Assert.Contains($"Cannot reach the identity provider at http://127.0.0.1:{port}", (string)answer["error"]!["message"]!);
        Assert.Equal(1, await bridge.WaitForExitAsync(Ct));
    }

    [Fact]
    public async Task Json_answer_that_never_ends_is_cut_at_the_limit_and_the_request_gets_an_error()
    {
        // A hostile server: every answer is application/json that goes on (up to 256 MiB, so the test stops by itself).
        await using var server = await StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)' ');
            await context.Response.Body.WriteAsync("{\"jsonrpc\":\"2.0\",\"result\":{\"padding\":\""u8.ToArray(), context.RequestAborted);
            for (var i = 0; i < 4096 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        });
        var url = server.Urls.First() + "/mcp";
        using var run = new BridgeRun(output);
        await using var bridge = run.StartRaw([url, "--max-message-size", "2", "--transport", "streamable-http"]);

        await bridge.WriteLineAsync(Rpc.Initialize(1));
        var answer = Rpc.Parse(await bridge.ReadStdoutLineAsync(Ct));
        await bridge.WriteLineAsync(Rpc.Initialize(2));
        var again = Rpc.Parse(await bridge.ReadStdoutLineAsync(Ct));

        Assert.Equal(RelayErrors.MessageTooLarge, (int)answer["error"]!["code"]!);
        Assert.Contains("limit of 2 MiB", (string)answer["error"]!["message"]!);
        Assert.Contains("--max-message-size", (string)answer["error"]!["message"]!);
        Assert.Equal(2, (int)again["id"]!);
        Assert.False(bridge.HasExited);
    }

    [Fact]
    public async Task Redirect_port_in_use_names_the_port_and_how_to_choose_another()
    {
        await using var stack = await NodeStack.StartAsync(cancellationToken: Ct);
        using var run = new BridgeRun(output);
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var (code, stderr) = await RunAsync(run, stack.Mcp.AbsoluteUri, "--oidc-issuer-url", stack.IssuerText, "--oidc-client-id", "mcp-public",
            "--oidc-redirect-url", $"http://localhost:{port}/auth/callback");

        Assert.Equal(1, code);
        Assert.Contains($"callback port {port} on 127.0.0.1 is in use", stderr);
        Assert.Contains("--oidc-redirect-url", stderr);
        Assert.Equal(0, run.BrowserOpens);
    }

    [Fact]
    public async Task Discovery_document_without_the_needed_endpoints_is_named()
    {
        await using var idp = await StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"issuer":"{{context.Request.Scheme}}://{{context.Request.Host}}","authorization_endpoint":"{{context.Request.Scheme}}://{{context.Request.Host}}/authorize"}""");
        });
        using var run = new BridgeRun(output);
        var issuer = idp.Urls.Single();

        var (code, stderr) = await RunAsync(run, "http://127.0.0.1:9/mcp", "--oidc-issuer-url", issuer, "--oidc-client-id", "c");

        Assert.Equal(1, code);
        Assert.Contains("publishes no token_endpoint in its discovery document", stderr);
    }

    [Fact]
    public async Task Identity_provider_error_reply_is_shown_and_exits_1()
    {
        await using var stack = await NodeStack.StartAsync(new Dictionary<string, string?> { ["DENY"] = "1" }, cancellationToken: Ct);
        using var run = new BridgeRun(output);

        var (code, stderr) = await RunAsync(run, BridgeRun.Args(stack));

        Assert.Equal(1, code);
        Assert.Contains("The identity provider refused the sign-in: access_denied", stderr);
        Assert.Contains("Signed in", File.ReadAllText(run.BrowserLog).Replace("Sign-in failed", "Signed in", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sign_in_that_is_never_finished_times_out_with_a_clear_message()
    {
        await using var stack = await NodeStack.StartAsync(cancellationToken: Ct);
        using var run = new BridgeRun(output);
        run.Environment["TEST_BROWSER_MODE"] = "ignore";

        var (code, stderr) = await RunAsync(run, BridgeRun.Args(stack, extra: ["--login-timeout", "2"]));

        Assert.Equal(1, code);
        Assert.Contains("Sign-in timed out after 2 seconds", stderr);
        Assert.Contains("--login-timeout", stderr);
    }

    [Fact]
    public async Task Silent_and_debug_together_are_refused()
    {
        using var run = new BridgeRun(output);

        var (code, stderr) = await RunAsync(run, "https://mcp.example.com/mcp", "--oidc-issuer-url", "https://auth.example.com", "--oidc-client-id", "c", "--silent", "--debug");

        Assert.Equal(1, code);
        Assert.Contains("--silent and --debug cannot be used together", stderr);
    }

    [Fact]
    public async Task Unknown_flag_is_refused_with_exit_1()
    {
        using var run = new BridgeRun(output);

        var (code, stderr) = await RunAsync(run, "https://mcp.example.com/mcp", "--no-such-flag");

        Assert.Equal(1, code);
        Assert.Contains("--no-such-flag", stderr);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<WebApplication> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync(Ct);
        return app;
    }
}
