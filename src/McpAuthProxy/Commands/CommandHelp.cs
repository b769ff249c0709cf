using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text;

namespace McpAuthProxy.Commands;

/// <summary>
/// <c>--help</c> for every command, written by us because System.CommandLine's own help shows the root's server URL on
/// every subcommand and cannot carry sections such as the gateway's environment overrides. Each command's help has its
/// own usage, its own arguments and options (double-dash names; single-letter aliases), and optional closing notes.
/// </summary>
internal sealed class CommandHelp
{
    public const string ProgramName = "mcp-auth-proxy";
    private const int Width = 100;

    private readonly Dictionary<Command, Extras> _extras = [];

    /// <summary>
    /// Sets a command's usage lines (without the program name; default: derived), the notes after its options, and the
    /// environment variables it reads besides those its options name.
    /// </summary>
    public void Describe(Command command, IReadOnlyList<string>? usage = null, string? notes = null, (string Title, IReadOnlyList<(string Name, string Meaning)> Rows)? environment = null) =>
        _extras[command] = new Extras(usage, notes, environment);

    /// <summary>"mcp-auth-proxy gateway" for the gateway command, "mcp-auth-proxy" for the root.</summary>
    public static string PathOf(Command command) =>
        command is RootCommand || command.Parents.FirstOrDefault() is not Command parent ? ProgramName : $"{PathOf(parent)} {command.Name}";

    /// <summary>Replaces the help option's action everywhere in the tree with this writer.</summary>
    public void Install(RootCommand root)
    {
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            help.Action = new WriteAction(this);
        }
    }

    public void Write(Command command, TextWriter output)
    {
        var text = new StringBuilder();
        var extras = _extras.GetValueOrDefault(command) ?? new Extras(null, null, null);
        text.AppendLine(Wrap(command.Description ?? "", 0)).AppendLine();

        text.AppendLine("Usage:");
        var usage = extras.Usage ?? [DefaultUsage(command)];
        foreach (var line in usage)
        {
            text.Append("  ").Append(ProgramName).Append(command is RootCommand ? "" : " " + command.Name).Append(' ').AppendLine(line);
        }

        text.AppendLine();

        var arguments = command.Arguments.Where(a => !a.Hidden).Select(a => (Label: $"<{a.Name}>", a.Description ?? "")).ToList();
        Section(text, "Arguments:", arguments);
        var options = command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options).Where(o => o.Recursive))
            .Where(o => !o.Hidden)
            .Select(o => (Label: OptionLabel(o), o.Description ?? ""))
            .ToList();
        Section(text, "Options:", options);
        var commands = command.Subcommands.Where(c => !c.Hidden)
            .Select(c => (Label: $"{c.Name} {CommandArguments(c)}".TrimEnd(), c.Description ?? ""))
            .ToList();
        Section(text, "Commands:", commands);
        if (extras.Environment is { } environment)
        {
            Section(text, environment.Title, [.. environment.Rows]);
        }

        if (extras.Notes is { } notes)
        {
            foreach (var paragraph in notes.Split('\n'))
            {
                text.AppendLine(paragraph.StartsWith(' ') ? paragraph : Wrap(paragraph, 0));
            }

            text.AppendLine();
        }

        output.Write(text.ToString());
    }

    /// <summary>Every way the option may be written that help shows: its double-dash names and single-letter aliases.</summary>
    public static IEnumerable<string> ShownNames(Option option) =>
        option.Aliases.Where(IsLetterAlias).Append(option.Name).Concat(option.Aliases.Where(a => a.StartsWith("--", StringComparison.Ordinal))).Distinct();

    private static bool IsLetterAlias(string alias) => alias.Length == 2 && alias[0] == '-' && char.IsLetter(alias[1]);

    /// <summary>The arguments of a subcommand as its usage shows them ("&lt;URL&gt;" for the bridge, "[URL]" where optional).</summary>
    private string CommandArguments(Command command)
    {
        var usage = _extras.GetValueOrDefault(command)?.Usage?[0];
        return usage is not null
            ? usage.Replace("[options]", "", StringComparison.Ordinal).Trim()
            : string.Join(' ', command.Arguments.Where(a => !a.Hidden).Select(ArgumentLabel));
    }

    private static string DefaultUsage(Command command)
    {
        var arguments = command.Arguments.Where(a => !a.Hidden).Select(ArgumentLabel);
        return string.Join(' ', [.. command.Subcommands.Any(c => !c.Hidden) ? ["<command>"] : Array.Empty<string>(), "[options]", .. arguments]);
    }

    private static string ArgumentLabel(Argument argument) =>
        argument.Arity.MinimumNumberOfValues == 0 ? $"[{argument.Name}]" : $"<{argument.Name}>";

    private static string OptionLabel(Option option)
    {
        var names = string.Join(", ", ShownNames(option));
        return option.ValueType == typeof(bool) || option is HelpOption or VersionOption ? names : $"{names} <{option.HelpName ?? "VALUE"}>";
    }

    private static void Section(StringBuilder text, string title, List<(string Label, string Description)> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        text.AppendLine(title);
        var column = Math.Min(rows.Max(r => r.Label.Length) + 4, 36);
        foreach (var (label, description) in rows)
        {
            text.Append("  ").Append(label);
            if (label.Length + 2 > column - 2)
            {
                text.AppendLine().Append(' ', column);
            }
            else
            {
                text.Append(' ', column - 2 - label.Length);
            }

            text.AppendLine(Wrap(description, column));
        }

        text.AppendLine();
    }

    /// <summary>Wraps at word boundaries to <see cref="Width"/> columns; lines after the first are indented by <paramref name="indent"/>.</summary>
    private static string Wrap(string text, int indent)
    {
        var room = Math.Max(Width - indent, 40);
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > room)
            {
                lines.Add(line.ToString());
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : "").Append(word);
        }

        lines.Add(line.ToString());
        return string.Join(Environment.NewLine + new string(' ', indent), lines);
    }

    private sealed record Extras(IReadOnlyList<string>? Usage, string? Notes, (string Title, IReadOnlyList<(string Name, string Meaning)> Rows)? Environment);

    private sealed class WriteAction(CommandHelp help) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            help.Write(parseResult.CommandResult.Command, parseResult.InvocationConfiguration.Output);
            return 0;
        }
    }
}
