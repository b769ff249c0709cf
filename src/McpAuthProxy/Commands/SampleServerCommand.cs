using System.CommandLine;
using McpAuthProxy.Demo.SampleServer;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Commands;

/// <summary>
/// <c>mcp-auth-proxy sample-server</c>: the demo's MCP server over stdio, for the gateway to spawn as a stdio upstream
/// (the demo and the README's walk-through do). Stdout carries JSON-RPC only; logs go to stderr.
/// </summary>
internal static class SampleServerCommand
{
    public static Command Create()
    {
        var command = new Command("sample-server", "Run the demo's sample MCP server over stdio (tools echo, add, current_time, admin_reset), e.g. as a gateway's stdio.user_command.");
        command.SetAction(async (parse, ct) =>
        {
            await Task.Yield(); // let System.CommandLine hook SIGINT/SIGTERM before the server starts
            if (!Console.IsInputRedirected)
            {
                // Typed in a terminal, it would wait silently for JSON-RPC.
                await parse.InvocationConfiguration.Error.WriteLineAsync("mcp-auth-proxy sample-server: an MCP server on stdin and stdout, for a gateway (stdio.user_command) or an MCP client to start; it waits for JSON-RPC here. Ctrl+C stops it.").ConfigureAwait(false);
            }

            using var loggerFactory = LoggerFactory.Create(b => b
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(LogLevel.Warning));
            try
            {
                await SampleMcpServer.RunStdioAsync(loggerFactory, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }

            return 0;
        });
        return command;
    }
}
