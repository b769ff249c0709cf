namespace McpAuthProxy.OAuth.Secrets;

/// <summary>What <see cref="TokenStoreSelection.Decide"/> chose: the OS store, files (with why), or an error to stop on.</summary>
public sealed record TokenStoreDecision
{
    private TokenStoreDecision(bool useOsStore, string? notice, string? error)
    {
        UseOsStore = useOsStore;
        Notice = notice;
        Error = error;
    }

    public static TokenStoreDecision OsStore { get; } = new(true, null, null);

    public static TokenStoreDecision Files { get; } = new(false, null, null);

    /// <summary>Keep tokens in the OS credential store.</summary>
    public bool UseOsStore { get; }

    /// <summary>Why <c>auto</c> fell back to files: one line worth logging once; null otherwise.</summary>
    public string? Notice { get; }

    /// <summary>Why the requested store cannot be used: one line to print before exiting 1; null when there is none.</summary>
    public string? Error { get; }

    internal static TokenStoreDecision FilesBecause(string notice) => new(false, notice, null);

    internal static TokenStoreDecision Fail(string error) => new(false, null, error);
}
