using System.Runtime.Versioning;

namespace McpAuthProxy.OAuth.Secrets.Keychain;

/// <summary>
/// Secrets in the macOS login keychain as generic passwords (kSecClassGenericPassword) whose service and account are
/// the key's, through the Security framework's SecItem calls. It cannot run on Linux: only
/// <see cref="KeychainStatus"/> is tested here.
/// </summary>
[SupportedOSPlatform("macos")]
public sealed class KeychainStore : ISecretStore
{
    public string DisplayName => "macOS Keychain";

    public ValueTask<SecretStoreAvailability> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var status = SecurityFramework.Probe("mcp-auth-proxy");
            return ValueTask.FromResult(KeychainStatus.MeansUsable(status)
                ? SecretStoreAvailability.Usable
                : SecretStoreAvailability.NotUsable(KeychainStatus.Describe(status, SecurityFramework.Message(status))));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return ValueTask.FromResult(SecretStoreAvailability.NotUsable($"The macOS Security framework could not be loaded: {e.Message}"));
        }
    }

    public ValueTask<byte[]?> GetAsync(SecretKey key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SecurityFramework.Find(key.Service, key.Account));

    public ValueTask SetAsync(SecretKey key, ReadOnlyMemory<byte> secret, CancellationToken cancellationToken)
    {
        SecurityFramework.Upsert(key.Service, key.Account, secret.Span);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> DeleteAsync(SecretKey key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SecurityFramework.Delete(key.Service, key.Account));

    public ValueTask<IReadOnlyList<string>> ListAsync(string service, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        return ValueTask.FromResult<IReadOnlyList<string>>([.. SecurityFramework.Accounts(service).Order(StringComparer.Ordinal)]);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
