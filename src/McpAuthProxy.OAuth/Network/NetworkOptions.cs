namespace McpAuthProxy.OAuth.Network;

/// <summary>What the user said about the network: <c>--ca-cert</c> files; the rest comes from the environment.</summary>
public sealed record NetworkOptions
{
    /// <summary>PEM files of CAs to trust besides the system's (<c>--ca-cert</c>, repeatable).</summary>
    public IReadOnlyList<string> CaCertificateFiles { get; init; } = [];

    /// <summary>Reads an environment variable; null for the process's environment (tests pass their own).</summary>
    public Func<string, string?>? Environment { get; init; }
}
