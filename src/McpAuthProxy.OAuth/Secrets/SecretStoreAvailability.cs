namespace McpAuthProxy.OAuth.Secrets;

/// <summary>Whether an OS secret store can be used, and if not, one line that says why and what to do.</summary>
public sealed record SecretStoreAvailability
{
    private SecretStoreAvailability(bool isUsable, string? reason)
    {
        IsUsable = isUsable;
        Reason = reason;
    }

    public static SecretStoreAvailability Usable { get; } = new(true, null);

    public bool IsUsable { get; }

    /// <summary>Why the store is not usable; null when it is.</summary>
    public string? Reason { get; }

    public static SecretStoreAvailability NotUsable(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new(false, reason);
    }
}
