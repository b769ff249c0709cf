using System.CommandLine;
using McpAuthProxy.Bridge;
using McpAuthProxy.Hosting;

namespace McpAuthProxy.Commands;

/// <summary><c>mcp-auth-proxy [options] URL</c> and <c>mcp-auth-proxy connect [options] URL</c>: the bridge.</summary>
internal static class ConnectCommand
{
    private const string Summary =
        "mcp-auth-proxy: a stdio MCP server for desktop clients (Claude Desktop, Cursor, VS Code, MCP Inspector) that signs you in " +
        "with OAuth 2.1 / OpenID Connect and relays every message to a remote MCP server. Drop-in for authful-mcp-proxy.";

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand(Summary);
        Configure(root);
        return root;
    }

    public static Command Create()
    {
        var command = new Command("connect", "Run the bridge (the same as giving the URL without a command).");
        Configure(command);
        return command;
    }

    private static void Configure(Command command)
    {
        var symbols = new BridgeSymbols();
        symbols.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(symbols, parse, ct));
    }

    private static async Task<int> RunAsync(BridgeSymbols symbols, ParseResult parse, CancellationToken cancellationToken)
    {
        // System.CommandLine hooks SIGINT/SIGTERM only once the action yields; do that before any work.
        await Task.Yield();
        var errors = new List<string>();
        var level = symbols.LogLevel(parse, out var levelError);
        if (levelError is not null)
        {
            errors.Add(levelError);
        }

        var options = symbols.ToBridgeOptions(parse, errors);
        if (options is null)
        {
            return CommandOutput.Fail(errors);
        }

        using var logging = new CommandLogging(level);
        if (symbols.ShowBanner(parse))
        {
            var signIn = options.OAuth?.Issuer is { } issuer
                ? $"sign-in: {issuer.OriginalString}, client {options.OAuth.ClientId}"
                : "sign-in: discovered from the server";
            logging.Notify($"mcp-auth-proxy {CommandOutput.Version}: bridging stdio to {options.ServerUrl} ({signIn})");
        }

        return await CommandOutput.GuardAsync(logging, () => BridgeRunner.RunAsync(options, logging.Factory, logging.Notify, input: null, output: null, cancellationToken)).ConfigureAwait(false);
    }
}
