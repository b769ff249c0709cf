using System.CommandLine;
using System.Globalization;

namespace McpAuthProxy.Commands;

/// <summary>An option that takes a value, and says what kind: its help shows it and every error about it names it.</summary>
internal interface IValueOption
{
    /// <summary>What the value is, e.g. "a whole number of seconds (1 or more)".</summary>
    string Kind { get; }

    /// <summary>A value that works, e.g. "120".</summary>
    string Example { get; }
}

/// <inheritdoc cref="IValueOption"/>
internal sealed class ValueOption<T> : Option<T>, IValueOption
{
    public ValueOption(string name, string kind, string example, params string[] aliases)
        : base(name, aliases)
    {
        Kind = kind;
        Example = example;
    }

    public string Kind { get; }

    public string Example { get; }
}

/// <summary>The kinds of values our options take, each parsed with an error that names the option, the value and the fix.</summary>
internal static class ValueOptions
{
    /// <summary>A text value: a URL, a path, an id.</summary>
    public static ValueOption<string?> Text(string name, string helpName, string kind, string example, string description, params string[] aliases) =>
        new(name, kind, example, aliases) { HelpName = helpName, Description = description };

    /// <summary>A positive whole number of seconds; null when not given.</summary>
    public static ValueOption<int?> Seconds(string name, string example, string description)
    {
        var option = new ValueOption<int?>(name, "a whole number of seconds (1 or more)", example) { HelpName = "SECONDS", Description = description };
        option.CustomParser = result => Whole(result, option, 1, int.MaxValue);
        return option;
    }

    /// <summary>A TCP port on loopback, 0 for a free one.</summary>
    public static ValueOption<int> Port(string name, string example, string description, int defaultValue)
    {
        var option = new ValueOption<int>(name, "a port number from 0 to 65535 (0 picks a free one)", example)
        {
            HelpName = "PORT",
            Description = description,
            DefaultValueFactory = _ => defaultValue,
        };
        option.CustomParser = result => Whole(result, option, 0, 65535) ?? defaultValue;
        return option;
    }

    internal static int? Whole(System.CommandLine.Parsing.ArgumentResult result, IValueOption option, int min, int max)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var text = result.Tokens[^1].Value;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError(UsageErrors.WrongValue(((Option)option).Name, option, text));
        return null;
    }
}
