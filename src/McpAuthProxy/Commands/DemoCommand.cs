using System.CommandLine;
using McpAuthProxy.Demo.Stack;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Commands;

/// <summary><c>mcp-auth-proxy demo [--check]</c>: the embedded identity provider, the sample server and the gateway on loopback.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var check = new Option<bool>("--check") { Description = "Run the whole flow once without a person (sign-in, tools, the 403 step-up) and exit 0 when every step worked" };
        var idpPort = new Option<int>("--idp-port") { Description = "Port of the identity provider on 127.0.0.1", HelpName = "PORT", DefaultValueFactory = _ => 9400 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port of the gateway on 127.0.0.1", HelpName = "PORT", DefaultValueFactory = _ => 9401 };
        var command = new Command("demo", "Run the whole flow on loopback with nothing else installed: an identity provider, a sample MCP server and the gateway in front of it")
        {
            check, idpPort, gatewayPort,
        };
        command.SetAction((parse, ct) => parse.GetValue(check)
            ? DemoCheck.RunAsync(SampleServerCommand(), Console.Out, ct)
            : RunAsync(parse.GetValue(idpPort), parse.GetValue(gatewayPort), ct));
        return command;
    }

    /// <summary>Starts the stack on the given ports, prints what runs where and the desktop configuration, waits for Ctrl+C.</summary>
    public static async Task<int> RunAsync(int idpPort, int gatewayPort, CancellationToken cancellationToken)
    {
        await Task.Yield();
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
                SampleServerCommand = SampleServerCommand(),
                LoggerFactory = loggerFactory,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"mcp-auth-proxy demo: cannot listen ({e.Message}). Free ports {idpPort} and {gatewayPort}, or choose others with --idp-port and --gateway-port.");
            return 1;
        }

        await using (stack.ConfigureAwait(false))
        {
            Console.Out.WriteLine(stack.Describe());
            Console.Out.WriteLine("Press Ctrl+C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        Console.Error.WriteLine("mcp-auth-proxy demo: stopped.");
        return 0;
    }

    /// <summary>This executable's <c>sample-server</c> command, spawned directly (no shell) by the gateway.</summary>
    internal static IReadOnlyList<string> SampleServerCommand()
    {
        var process = Environment.ProcessPath ?? "mcp-auth-proxy";
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? [process, Path.Combine(AppContext.BaseDirectory, "mcp-auth-proxy.dll"), "sample-server"]
            : [process, "sample-server"];
    }
}
