using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpAuthProxy.Demo.SampleServer;

/// <summary>
/// A small MCP server to put behind the gateway: <c>echo</c>, <c>add</c>, <c>current_time</c> and the
/// administrative <c>admin_reset</c>. Built on ModelContextProtocol.Core's low-level handlers.
/// </summary>
public static class SampleMcpServer
{
    public const string Name = "mcp-auth-proxy-sample";

    /// <summary>Server options with the sample tools; one <see cref="SampleTools"/> instance per server (per session).</summary>
    public static McpServerOptions CreateOptions(TimeProvider? clock = null)
    {
        var tools = new SampleTools(clock ?? TimeProvider.System);
        return new McpServerOptions
        {
            ServerInfo = new Implementation { Name = Name, Title = "mcp-auth-proxy sample server", Version = typeof(SampleMcpServer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0" },
            Capabilities = new ServerCapabilities { Tools = new ToolsCapability() },
            ServerInstructions = "Sample tools for the mcp-auth-proxy demo. admin_reset needs the mcp:admin scope behind the gateway.",
            Handlers = new McpServerHandlers
            {
                ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult { Tools = [.. SampleTools.All] }),
                CallToolHandler = (context, _) => ValueTask.FromResult(tools.Call(context.Params ?? new CallToolRequestParams { Name = string.Empty })),
            },
        };
    }

    /// <summary>Serves one session over this process's stdin/stdout until the client closes stdin or <paramref name="cancellationToken"/> fires.</summary>
    public static async Task RunStdioAsync(ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var options = CreateOptions();
        var transport = new StdioServerTransport(Name, loggerFactory);
        await using (transport.ConfigureAwait(false))
        {
            var server = McpServer.Create(transport, options, loggerFactory);
            await using (server.ConfigureAwait(false))
            {
                await server.RunAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Serves one session over two streams (for in-process pipes).</summary>
    public static async Task RunAsync(Stream input, Stream output, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var options = CreateOptions();
        var transport = new StreamServerTransport(input, output, Name, loggerFactory);
        await using (transport.ConfigureAwait(false))
        {
            var server = McpServer.Create(transport, options, loggerFactory);
            await using (server.ConfigureAwait(false))
            {
                await server.RunAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
