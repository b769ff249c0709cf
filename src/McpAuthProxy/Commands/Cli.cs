using System.CommandLine;
using System.CommandLine.Help;
using McpAuthProxy.Gateway.Configuration;

namespace McpAuthProxy.Commands;

/// <summary>Builds the whole command tree and runs a command line: parse, report mistakes in one line each, hand off.</summary>
internal static class Cli
{
    public static RootCommand Build() => Build(out _, out _);

    private static RootCommand Build(out CommandHelp help, out Argument<string?> url)
    {
        help = new CommandHelp();
        var root = ConnectCommand.CreateRoot(help, out url);
        root.Subcommands.Add(ConnectCommand.Create(help));
        root.Subcommands.Add(GatewayCommand.Create(help));
        root.Subcommands.Add(DevIdpCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        foreach (var command in TokenCommands.Create(help))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(SampleServerCommand.Create());
        help.Install(root);
        return root;
    }

    /// <summary>What is wrong with a command line, one line each, without running it (empty when it is well formed).</summary>
    public static IReadOnlyList<string> Check(string[] args)
    {
        var root = Build(out _, out var url);
        return UsageErrors.Describe(Parse(root, args), url);
    }

    // No response files: a value that starts with '@' (a header, a secret) is that value, not a file to read.
    private static ParseResult Parse(RootCommand root, string[] args) => root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    /// <summary>
    /// Runs <paramref name="args"/> as the executable would, writing to <paramref name="output"/> and <paramref name="error"/>
    /// (stdout stays JSON-RPC only in bridge mode). Returns the exit code: 0, or 1 with one line per problem and never a
    /// stack trace. <paramref name="handleSignals"/> lets Ctrl+C and SIGTERM stop the command gracefully (the process only).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, bool handleSignals, CancellationToken cancellationToken)
    {
        var root = Build(out var help, out var url);
        ParseResult parse;
        IReadOnlyList<string> problems;
        try
        {
            parse = Parse(root, args);
            problems = UsageErrors.Describe(parse, url);
        }
        catch (Exception e)
        {
            // Every mistake has its own line above; this is the net under a validator that failed itself.
            await error.WriteLineAsync($"{CommandHelp.ProgramName}: unexpected error reading the command line: {e.GetType().Name}: {ConfigProblem.OneLine(e.Message)} (please report it)").ConfigureAwait(false);
            return 1;
        }

        var wantsHelp = root.Options.OfType<HelpOption>().Any(h => parse.GetResult(h) is not null);
        if (wantsHelp && !problems.Any(p => p.StartsWith("unknown command", StringComparison.Ordinal)))
        {
            help.Write(parse.CommandResult.Command, output);
            return 0;
        }

        if (problems.Count > 0)
        {
            var prefix = CommandHelp.PathOf(parse.CommandResult.Command);
            foreach (var problem in problems)
            {
                await error.WriteLineAsync(ConfigProblem.OneLine($"{prefix}: {problem}")).ConfigureAwait(false);
            }

            return 1;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                // Longer than the gateway's default shutdown grace (10 s), so streams in flight may finish.
                ProcessTerminationTimeout = handleSignals ? TimeSpan.FromSeconds(15) : null,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e)
        {
            // Each command reports what a user can get wrong itself; this is the net under everything else.
            await error.WriteLineAsync($"{CommandHelp.PathOf(parse.CommandResult.Command)}: unexpected error: {e.GetType().Name}: {e.Message} (please report it; MCP_PROXY_DEBUG=1 prints the details)").ConfigureAwait(false);
            if (Environment.GetEnvironmentVariable("MCP_PROXY_DEBUG") is "1" or "true" or "yes" or "on")
            {
                await error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }

            return 1;
        }
    }
}
