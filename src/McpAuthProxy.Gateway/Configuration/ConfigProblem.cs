namespace McpAuthProxy.Gateway.Configuration;

/// <summary>One problem in the configuration: the key it is about, what is wrong, and what to write instead.</summary>
public sealed record ConfigProblem(string Key, string Message, string Fix)
{
    /// <summary>One line, whatever the values quoted in it contain.</summary>
    public override string ToString() => OneLine($"{Key}: {Message}. Fix: {Fix}");

    /// <summary>Control characters (a newline in a value) written as escapes, so that a problem stays one line.</summary>
    public static string OneLine(string text) =>
        text.Any(char.IsControl)
            ? string.Concat(text.Select(c => c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ when char.IsControl(c) => $"\\u{(int)c:x4}", _ => c.ToString() }))
            : text;
}

/// <summary>The outcome of loading a configuration file: the model when there were no errors, and every problem found.</summary>
public sealed record ConfigLoadResult(GatewayConfig? Config, IReadOnlyList<ConfigProblem> Errors, IReadOnlyList<ConfigProblem> Warnings)
{
    public bool Succeeded => Config is not null && Errors.Count == 0;
}
