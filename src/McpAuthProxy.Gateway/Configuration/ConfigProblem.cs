namespace McpAuthProxy.Gateway.Configuration;

/// <summary>One problem in the configuration: the key it is about, what is wrong, and what to write instead.</summary>
public sealed record ConfigProblem(string Key, string Message, string Fix)
{
    public override string ToString() => $"{Key}: {Message}. Fix: {Fix}";
}

/// <summary>The outcome of loading a configuration file: the model when there were no errors, and every problem found.</summary>
public sealed record ConfigLoadResult(GatewayConfig? Config, IReadOnlyList<ConfigProblem> Errors, IReadOnlyList<ConfigProblem> Warnings)
{
    public bool Succeeded => Config is not null && Errors.Count == 0;
}
