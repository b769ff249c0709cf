namespace McpAuthProxy.OAuth.Secrets;

/// <summary>
/// An operating system's store for small secrets (macOS Keychain, Windows Credential Manager, the Secret Service on
/// Linux), keyed by a service and an account. Values are opaque bytes; <see cref="SecretStoreExtensions"/> adds UTF-8
/// strings. Every failure is a <see cref="SecretStoreException"/> whose message is one line a user can act on.
/// </summary>
public interface ISecretStore : IAsyncDisposable
{
    /// <summary>What users call the store: "Secret Service", "macOS Keychain", "Windows Credential Manager".</summary>
    string DisplayName { get; }

    /// <summary>Whether the store can be used now, without asking the user anything; never throws.</summary>
    ValueTask<SecretStoreAvailability> CheckAsync(CancellationToken cancellationToken);

    /// <summary>The secret stored under <paramref name="key"/>, or null when there is none.</summary>
    ValueTask<byte[]?> GetAsync(SecretKey key, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="secret"/> under <paramref name="key"/>, replacing what was there.</summary>
    ValueTask SetAsync(SecretKey key, ReadOnlyMemory<byte> secret, CancellationToken cancellationToken);

    /// <summary>Removes the secret under <paramref name="key"/>; returns whether there was one.</summary>
    ValueTask<bool> DeleteAsync(SecretKey key, CancellationToken cancellationToken);

    /// <summary>The accounts that have a secret under <paramref name="service"/>, in ordinal order.</summary>
    ValueTask<IReadOnlyList<string>> ListAsync(string service, CancellationToken cancellationToken);
}
