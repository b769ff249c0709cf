using System.Diagnostics;
using System.IO.Pipelines;
using McpAuthProxy.Bridge;
using McpAuthProxy.DevIdentity.Headless;
using McpAuthProxy.OAuth;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Demo.Stack;

/// <summary>
/// <c>mcp-auth-proxy demo --check</c>: the demo stack on ephemeral ports plus the bridge, driven by an MCP client, signing
/// in as the demo user without a person (the credentials posted to the sign-in page as a browser would). Each step is
/// printed with its time; the exit code is 0 only when every step worked.
/// </summary>
public static class DemoCheck
{
    public static async Task<int> RunAsync(IReadOnlyList<string> sampleServerCommand, TextWriter output, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var failures = 0;
        var signIns = 0;
        DemoStack? stack = null;
        var tokenDirectory = Path.Combine(Path.GetTempPath(), "mcp-auth-proxy-demo-check-" + Guid.NewGuid().ToString("N")[..8]);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(TimeSpan.FromSeconds(60));
        var ct = stop.Token;

        async Task<T?> StepAsync<T>(string name, Func<Task<(T Value, string Detail)>> body)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                var (value, detail) = await body().ConfigureAwait(false);
                await output.WriteLineAsync($"  ok    {name,-50} {watch.Elapsed.TotalMilliseconds,6:0} ms  {detail}").ConfigureAwait(false);
                return value;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failures++;
                await output.WriteLineAsync($"  FAIL  {name,-50} {watch.Elapsed.TotalMilliseconds,6:0} ms  {e.GetType().Name}: {e.Message}").ConfigureAwait(false);
                return default;
            }
        }

        await output.WriteLineAsync("mcp-auth-proxy demo --check").ConfigureAwait(false);
        try
        {
            stack = await StepAsync("start identity provider and gateway", async () =>
            {
                var started = await DemoStack.StartAsync(new DemoStackOptions { IdentityProviderPort = 0, GatewayPort = 0, SampleServerCommand = sampleServerCommand }, ct).ConfigureAwait(false);
                return (started, $"{started.Identity.Issuer} {started.McpUrl}");
            }).ConfigureAwait(false);
            if (stack is null)
            {
                return 1;
            }

            var user = stack.Identity.User;
            var oauth = new OAuthClientOptions
            {
                Issuer = stack.Identity.Issuer,
                ClientId = "mcp-bridge",
                Scopes = ["openid", "offline_access", "mcp:tools"],
                RedirectUri = new Uri("http://127.0.0.1:0/callback"),
                Resource = stack.McpUrl.AbsoluteUri,
                TokenDirectory = tokenDirectory,
                LoginTimeout = TimeSpan.FromSeconds(30),
                SignInWait = TimeSpan.FromSeconds(30),
                Browser = async (url, token) =>
                {
                    // The demo user at the sign-in and consent pages, then the browser's last hop to the bridge.
                    Interlocked.Increment(ref signIns);
                    var redirect = await HeadlessSignIn.AuthorizeAsync(url, user.UserName, user.Password, allow: true, token).ConfigureAwait(false);
                    using var http = new HttpClient();
                    using var _ = await http.GetAsync(redirect, token).ConfigureAwait(false);
                },
            };

            var toBridge = new Pipe();
            var fromBridge = new Pipe();
            var bridge = BridgeRunner.RunAsync(new BridgeOptions { ServerUrl = stack.McpUrl, OAuth = oauth }, NullLoggerFactory.Instance, _ => { },
                toBridge.Reader.AsStream(), fromBridge.Writer.AsStream(), ct);

            var client = await StepAsync("bridge signs in as the demo user, initialize", async () =>
            {
                var connected = await McpClient.CreateAsync(new StreamClientTransport(toBridge.Writer.AsStream(), fromBridge.Reader.AsStream()), cancellationToken: ct).ConfigureAwait(false);
                return (connected, $"server {connected.ServerInfo?.Name}, protocol {connected.NegotiatedProtocolVersion}, sign-ins {signIns}");
            }).ConfigureAwait(false);

            if (client is not null)
            {
                await using (client.ConfigureAwait(false))
                {
                    await StepAsync("tools/list", async () =>
                    {
                        var tools = await client.ListToolsAsync(cancellationToken: ct).ConfigureAwait(false);
                        if (!tools.Any(t => t.Name == "admin_reset"))
                        {
                            // A client that calls only listed tools (MCP Inspector) could not reach the step-up then.
                            throw new InvalidOperationException("admin_reset is not listed (the gateway's hide_unauthorized must be false in the demo)");
                        }

                        return (0, string.Join(", ", tools.Select(t => t.Name)));
                    }).ConfigureAwait(false);

                    await StepAsync("tools/call echo", async () =>
                    {
                        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello from the demo" }, cancellationToken: ct).ConfigureAwait(false);
                        return (0, Text(result));
                    }).ConfigureAwait(false);

                    await StepAsync($"tools/call admin_reset (403, step-up to {DemoStack.AdminScope})", async () =>
                    {
                        var before = signIns;
                        var result = await client.CallToolAsync("admin_reset", new Dictionary<string, object?>(), cancellationToken: ct).ConfigureAwait(false);
                        if (result.IsError == true || signIns != before + 1)
                        {
                            throw new InvalidOperationException($"expected one more sign-in for {DemoStack.AdminScope} and a result; got {signIns - before} and '{Text(result)}'");
                        }

                        return (0, $"403 insufficient_scope, signed in again, then: {Text(result)}");
                    }).ConfigureAwait(false);
                }
            }

            await toBridge.Writer.CompleteAsync().ConfigureAwait(false);
            await ((Task)bridge).WaitAsync(TimeSpan.FromSeconds(10), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            if (stack is not null)
            {
                await stack.DisposeAsync().ConfigureAwait(false);
            }

            try
            {
                Directory.Delete(tokenDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        await output.WriteLineAsync(failures == 0
            ? $"all steps passed in {total.Elapsed.TotalSeconds:0.0} s"
            : $"{failures} step(s) failed ({total.Elapsed.TotalSeconds:0.0} s)").ConfigureAwait(false);
        return failures == 0 ? 0 : 1;
    }

    private static string Text(CallToolResult result) =>
        string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text));
}
