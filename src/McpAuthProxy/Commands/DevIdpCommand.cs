using System.CommandLine;
using McpAuthProxy.DevIdentity;
using McpAuthProxy.Gateway.Hosting;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Commands;

/// <summary><c>mcp-auth-proxy dev-idp [--port N] [--auto-approve]</c>: the embedded identity provider on its own, until Ctrl+C.</summary>
internal static class DevIdpCommand
{
    public static Command Create()
    {
        var port = ValueOptions.Port("--port", "4400", "Port on 127.0.0.1 to listen on; 0 picks a free one [default: 0]", 0);
        var autoApprove = new Option<bool>("--auto-approve")
        {
            Description = "Approve every authorization request for the demo user without showing the sign-in page.",
        };
        var command = new Command("dev-idp", "Run the embedded development identity provider (OpenIddict, in memory) on 127.0.0.1: user demo, password demo-password.")
        {
            port,
            autoApprove,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(port), parse.GetValue(autoApprove), parse.InvocationConfiguration, ct));
        return command;
    }

    private static async Task<int> RunAsync(int port, bool autoApprove, InvocationConfiguration cli, CancellationToken ct)
    {
        // System.CommandLine hooks SIGINT/SIGTERM only once the action has returned its Task; without this yield
        // everything up to "listening on" runs before that, and a signal sent right after the line kills the process.
        await Task.Yield();
        using var loggerFactory = LoggerFactory.Create(b => b
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None));
        DevIdentityServer server;
        try
        {
            server = await DevIdentityServer.StartAsync(new DevIdentityOptions
            {
                ListenUrl = new Uri($"http://127.0.0.1:{port}"),
                AutoApprove = autoApprove,
                LoggerFactory = loggerFactory,
            }, ct).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await cli.Error.WriteLineAsync($"mcp-auth-proxy dev-idp: cannot listen on 127.0.0.1:{port}: {ListenFailure.Describe(e)}; choose another --port, or --port 0 for a free one.").ConfigureAwait(false);
            return 1;
        }

        await using (server.ConfigureAwait(false))
        {
            await cli.Output.WriteAsync(server.Describe()).ConfigureAwait(false);
            await cli.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await cli.Error.WriteLineAsync("listening on " + server.Issuer.GetLeftPart(UriPartial.Authority)).ConfigureAwait(false);
            await cli.Error.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return 0;
    }
}
