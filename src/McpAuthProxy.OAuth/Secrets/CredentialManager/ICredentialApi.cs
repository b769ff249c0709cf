namespace McpAuthProxy.OAuth.Secrets.CredentialManager;

/// <summary>
/// The few Windows Credential Manager calls the store needs, for generic credentials persisted on the local machine
/// (for this user). An interface so that the naming and chunking above it are tested on every OS.
/// </summary>
internal interface ICredentialApi
{
    /// <summary>The credential's blob, or null when there is no credential <paramref name="target"/>.</summary>
    byte[]? Read(string target);

    /// <summary>Creates or replaces <paramref name="target"/>; the blob is at most <see cref="CredentialBlob.MaxBlobSize"/> bytes.</summary>
    void Write(string target, string? userName, ReadOnlySpan<byte> blob);

    /// <summary>Removes <paramref name="target"/>; returns whether it existed.</summary>
    bool Delete(string target);

    /// <summary>The targets that match <paramref name="filter"/> (a prefix followed by <c>*</c>).</summary>
    IReadOnlyList<string> Enumerate(string filter);
}
