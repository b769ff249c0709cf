using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using McpAuthProxy.Gateway.Configuration;

namespace McpAuthProxy.Commands;

/// <summary>
/// Turns a failed parse into one line per mistake, each naming the word that is wrong and what to type instead:
/// the unknown flag or command (with the nearest known one), the option and the kind of value it takes.
/// System.CommandLine's own messages name the wrong word only sometimes (a misspelled flag is taken for the server
/// URL, so it blames the token after it) and name .NET types ("System.Nullable`1[System.Int32]").
/// </summary>
internal static class UsageErrors
{
    public static string WrongValue(string name, IValueOption option, string text) =>
        $"{name} takes {option.Kind}, e.g. {name} {option.Example}; '{text}' is not one.";

    public static string MissingValue(string name, IValueOption option) =>
        $"{name} needs a value: {option.Kind}, e.g. {name} {option.Example}.";

    /// <summary>The lines to print for <paramref name="parse"/>; empty when the command line is well formed.</summary>
    /// <param name="url">The root's server URL argument, which System.CommandLine also fills from a subcommand's line.</param>
    public static IReadOnlyList<string> Describe(ParseResult parse, Argument url)
    {
        var root = (RootCommand)parse.RootCommandResult.Command;
        var command = parse.CommandResult.Command;
        var path = CommandHelp.PathOf(command);
        var lines = new List<string>();

        // A word starting with '-' that no option claimed is a flag we do not know. System.CommandLine hands it to the
        // first free positional argument (so "--debg URL" makes "--debg" the server URL and URL "unrecognized").
        var positional = Positional(parse).ToList();
        foreach (var token in positional.Concat(parse.UnmatchedTokens).Where(LooksLikeOption).Distinct())
        {
            lines.Add(UnknownOption(token, command, root, path));
        }

        if (lines.Count > 0)
        {
            return lines;
        }

        var urlResult = parse.GetResult(url);
        if (command == root && urlResult?.Tokens is [{ } first, ..] && !LooksLikeUrl(first.Value))
        {
            return [UnknownCommand(first.Value, root)];
        }

        if (command != root && urlResult?.Tokens is [{ } early, ..])
        {
            return command.Arguments.Count > 0
                ? [$"the server URL goes after the command: {path} {early.Value}"]
                : [$"{path} takes no server URL; remove '{early.Value}'."];
        }

        if (command != root)
        {
            // The root's options before a subcommand parse, and would be ignored: "--token-dir DIR status".
            foreach (var rootOption in parse.RootCommandResult.Children.OfType<OptionResult>().Where(o => !o.Implicit && !o.Option.Recursive))
            {
                var name = rootOption.IdentifierToken?.Value ?? rootOption.Option.Name;
                var value = rootOption.Tokens.Count > 0 ? " " + rootOption.Tokens[0].Value : "";
                lines.Add(Options(command).Any(o => o.Name == rootOption.Option.Name)
                    ? $"options go after the command: {path} {name}{value}"
                    : $"{name} is an option of the bridge (mcp-auth-proxy [options] URL), not of '{path}'.");
            }

            if (lines.Count > 0)
            {
                return lines;
            }
        }

        foreach (var token in parse.UnmatchedTokens)
        {
            lines.Add(Unexpected(token, command, path));
        }

        var reported = new HashSet<Symbol>();
        foreach (var error in parse.Errors)
        {
            var line = error.SymbolResult switch
            {
                OptionResult option => OptionError(option, error, reported),
                ArgumentResult { Parent: OptionResult option } => OptionError(option, error, reported),
                ArgumentResult argument => reported.Add(argument.Argument) ? error.Message : null,
                _ => parse.UnmatchedTokens.Count > 0 ? null : error.Message,
            };
            if (line is not null)
            {
                lines.Add(line);
            }
        }

        return lines.Distinct().ToList();
    }

    private static IEnumerable<string> Positional(ParseResult parse)
    {
        for (SymbolResult? result = parse.CommandResult; result is not null; result = result.Parent)
        {
            if (result is CommandResult commandResult)
            {
                foreach (var argument in commandResult.Command.Arguments)
                {
                    foreach (var token in parse.GetResult(argument)?.Tokens ?? [])
                    {
                        yield return token.Value;
                    }
                }
            }
        }
    }

    private static bool LooksLikeOption(string token) =>
        token.Length > 1 && token[0] == '-' && token != "--" && !char.IsDigit(token[1]);

    private static bool LooksLikeUrl(string token) =>
        token.Contains("://", StringComparison.Ordinal) || token.IndexOfAny(['.', '/', ':']) >= 0;

    private static string? OptionError(OptionResult result, ParseError error, HashSet<Symbol> reported)
    {
        var option = result.Option;
        if (!reported.Add(option))
        {
            return null;
        }

        var name = result.IdentifierToken?.Value ?? option.Name;
        if (option.ValueType == typeof(bool))
        {
            return $"{name} is a switch and takes no value: write {name} alone.";
        }

        if (result.Tokens.Count == 0)
        {
            return option is IValueOption kind ? MissingValue(name, kind) : $"{name} needs a value.";
        }

        if (result.Tokens.Count > 1 && option.Arity.MaximumNumberOfValues == 1)
        {
            return $"{name} is given {result.Tokens.Count} times; give it once.";
        }

        return error.Message;
    }

    private static string UnknownOption(string token, Command command, RootCommand root, string path)
    {
        var known = Options(command).SelectMany(CommandHelp.ShownNames).ToList();
        // open-mcp-auth-proxy's single-dash spellings are known to the gateway, though its help shows the double-dash ones.
        var near = NearestName.Find(token, known.Concat(Options(command).SelectMany(o => o.Aliases)));
        if (near is null && token.Length == 2 && known.Where(n => n.StartsWith("--" + token[1], StringComparison.Ordinal)).ToList() is [var only])
        {
            // "-v" for "--version", "-c" for "--config": a short flag we do not have, whose letter starts exactly one long one.
            near = only;
        }

        if (near is not null)
        {
            return $"unknown option '{token}'; did you mean '{near}'?";
        }

        var elsewhere = AllCommands(root).Where(c => c != command && Options(c).Any(o => o.Name == token || o.Aliases.Contains(token))).ToList();
        if (elsewhere.Count > 0)
        {
            return $"unknown option '{token}': it is an option of '{string.Join("' and '", elsewhere.Select(CommandHelp.PathOf))}', not of '{path}'.";
        }

        return $"unknown option '{token}'; '{path} --help' lists the options.";
    }

    private static string UnknownCommand(string word, RootCommand root)
    {
        var commands = root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        var near = NearestName.Find(word, commands)
            ?? root.Options.SelectMany(o => o.Aliases.Append(o.Name)).FirstOrDefault(n => n == "--" + word.ToLowerInvariant());
        return near is not null
            ? $"unknown command '{word}'; did you mean '{near}'?"
            : $"'{word}' is neither a command nor a server URL: give the MCP server's URL (e.g. https://mcp.example.com/mcp) or one of the commands {string.Join(", ", commands)}.";
    }

    private static string Unexpected(string token, Command command, string path)
    {
        if (command.Arguments.Count > 0)
        {
            return $"unexpected argument '{token}': {path} takes one server URL.";
        }

        var config = Options(command).FirstOrDefault(o => o.Name == "--config");
        return config is not null && (token.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || token.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            ? $"unexpected argument '{token}'; did you mean '--config {token}'?"
            : $"unexpected argument '{token}': {path} takes options only; '{path} --help' lists them.";
    }

    private static IEnumerable<Option> Options(Command command) =>
        command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options).Where(o => o.Recursive || o is HelpOption));

    private static IEnumerable<Command> AllCommands(Command command) => command.Subcommands.SelectMany(AllCommands).Prepend(command);
}
