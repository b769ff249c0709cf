using System.CommandLine;
using McpAuthProxy.Demo.Stack;
using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Hosting;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Commands;

/// <summary><c>mcp-auth-proxy demo [--check]</c>: the embedded identity provider, the sample server and the gateway on loopback.</summary>
internal static class DemoCommand
{
    public const int DefaultIdentityProviderPort = 9400;
    public const int DefaultGatewayPort = 9401;

    public static Command Create()
    {
        var check = new Option<bool>("--check") { Description = "Run the whole flow once without a person (sign-in, tools, the 403 step-up) on free ports, and exit 0 when every step worked" };
        var idpPort = ValueOptions.Port("--idp-port", "9500", $"Port of the identity provider on 127.0.0.1; 0 picks a free one [default: {DefaultIdentityProviderPort}]", DefaultIdentityProviderPort);
        var gatewayPort = ValueOptions.Port("--gateway-port", "9501", $"Port of the gateway on 127.0.0.1; 0 picks a free one [default: {DefaultGatewayPort}]", DefaultGatewayPort);
        var command = new Command("demo", "Run the whole flow on 127.0.0.1 with nothing else installed: an identity provider, a sample MCP server and the gateway in front of it")
        {
            check, idpPort, gatewayPort,
        };
        command.SetAction((parse, ct) => parse.GetValue(check)
            ? DemoCheck.RunAsync([.. SelfCommand.Direct(), "sample-server"], parse.InvocationConfiguration.Output, ct)
            : RunAsync(parse.GetValue(idpPort), parse.GetValue(gatewayPort), parse.InvocationConfiguration, ct));
        return command;
    }

    /// <summary>Starts the stack on the given ports, prints what runs where and the desktop configuration, waits for Ctrl+C.</summary>
    public static async Task<int> RunAsync(int idpPort, int gatewayPort, InvocationConfiguration cli, CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (idpPort == gatewayPort && idpPort != 0)
        {
            await cli.Error.WriteLineAsync($"mcp-auth-proxy demo: --idp-port and --gateway-port are both {idpPort}; give them different ports.").ConfigureAwait(false);
            return 1;
        }

        // A port in use is reported below in one line; the host's own failure log (with its stack) stays out.
        using var loggerFactory = LoggerFactory.Create(b => b
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None)
            .AddFilter("Microsoft.Hosting", LogLevel.None));
        DemoStack stack;
        try
        {
            stack = await DemoStack.StartAsync(new DemoStackOptions
            {
                IdentityProviderPort = idpPort,
                GatewayPort = gatewayPort,
                SampleServerCommand = [.. SelfCommand.Direct(), "sample-server"],
                LoggerFactory = loggerFactory,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await cli.Error.WriteLineAsync($"mcp-auth-proxy demo: cannot listen on 127.0.0.1 port {idpPort} or {gatewayPort}: {ListenFailure.Describe(e)}; free them, or choose others with --idp-port and --gateway-port (0 picks a free one).").ConfigureAwait(false);
            return 1;
        }

        await using (stack.ConfigureAwait(false))
        {
            await cli.Output.WriteLineAsync(stack.Describe(SelfCommand.ForDesktopClients())).ConfigureAwait(false);
            await cli.Output.WriteLineAsync("Press Ctrl+C to stop.").ConfigureAwait(false);
            await cli.Output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await cli.Error.WriteLineAsync("mcp-auth-proxy demo: stopped.").ConfigureAwait(false);
        return 0;
    }
}
