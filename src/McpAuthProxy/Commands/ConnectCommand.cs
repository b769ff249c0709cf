using System.CommandLine;
using McpAuthProxy.Bridge;
using McpAuthProxy.Hosting;

namespace McpAuthProxy.Commands;

/// <summary><c>mcp-auth-proxy [options] URL</c> and <c>mcp-auth-proxy connect [options] URL</c>: the bridge.</summary>
internal static class ConnectCommand
{
    private const string Summary =
        "mcp-auth-proxy: OAuth for MCP from both ends. Given a server URL it is the bridge: a stdio MCP server for desktop " +
        "clients (Claude Desktop, Cursor, VS Code, MCP Inspector) that signs you in with OAuth 2.1 / OpenID Connect and relays " +
        "every message to the remote MCP server (a drop-in for authful-mcp-proxy). The commands below run the gateway, the demo " +
        "and the development identity provider, and manage the token cache.";

    private const string EnvironmentNote =
        "Each option can also be set by the environment variable shown as [env: ...]; a flag wins over its variable, and an empty variable counts as unset.";

    public static RootCommand CreateRoot(CommandHelp help, out Argument<string?> url)
    {
        var root = new RootCommand(Summary);
        url = Configure(root);
        help.Describe(root, ["[options] <URL>", "<command> [options]"],
            EnvironmentNote + "\nRun 'mcp-auth-proxy <command> --help' for the options of a command; README.md has the walk-through.");
        return root;
    }

    public static Command Create(CommandHelp help)
    {
        var command = new Command("connect", "Run the bridge: the same as giving the URL without a command.");
        Configure(command);
        help.Describe(command, ["[options] <URL>"], EnvironmentNote);
        return command;
    }

    private static Argument<string?> Configure(Command command)
    {
        var symbols = new BridgeSymbols();
        symbols.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(symbols, parse, ct));
        return symbols.Url;
    }

    private static async Task<int> RunAsync(BridgeSymbols symbols, ParseResult parse, CancellationToken cancellationToken)
    {
        // System.CommandLine hooks SIGINT/SIGTERM only once the action yields; do that before any work.
        await Task.Yield();
        var error = parse.InvocationConfiguration.Error;
        var errors = new List<string>();
        var level = symbols.LogLevel(parse, out var levelError);
        if (levelError is not null)
        {
            errors.Add(levelError);
        }

        var options = symbols.ToBridgeOptions(parse, errors);
        if (options is null)
        {
            return CommandOutput.Fail(error, parse, errors);
        }

        using var logging = new CommandLogging(level);
        if (symbols.ShowBanner(parse))
        {
            var signIn = options.OAuth?.Issuer is { } issuer
                ? $"sign-in: {issuer.OriginalString}, client {options.OAuth.ClientId}"
                : "sign-in: discovered from the server";
            logging.Notify($"mcp-auth-proxy {CommandOutput.Version}: bridging stdio to {options.ServerUrl} ({signIn})");
            if (!Console.IsInputRedirected)
            {
                // Someone typed the command in a terminal: it waits for JSON-RPC on stdin, which would look like a hang.
                logging.Notify("stdin is a terminal: the bridge waits for an MCP client's JSON-RPC there. Put this command in your client's MCP settings (README: The bridge), or press Ctrl+C.");
            }
        }

        return await CommandOutput.GuardAsync(logging, () => BridgeRunner.RunAsync(options, logging.Factory, logging.Notify, input: null, output: null, cancellationToken)).ConfigureAwait(false);
    }
}
