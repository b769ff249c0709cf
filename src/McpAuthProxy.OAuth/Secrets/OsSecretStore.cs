using McpAuthProxy.OAuth.Secrets.CredentialManager;
using McpAuthProxy.OAuth.Secrets.Keychain;
using McpAuthProxy.OAuth.Secrets.SecretService;

namespace McpAuthProxy.OAuth.Secrets;

/// <summary>The OS credential store of the machine this runs on.</summary>
public static class OsSecretStore
{
    /// <summary>
    /// The Keychain on macOS, the Credential Manager on Windows, the Secret Service on Linux and the BSDs; null
    /// elsewhere. Creating one touches nothing: ask <see cref="ISecretStore.CheckAsync"/> whether it is usable.
    /// </summary>
    public static ISecretStore? Create(SecretServiceOptions? secretService = null)
    {
        if (OperatingSystem.IsMacOS())
        {
            return new KeychainStore();
        }

        if (OperatingSystem.IsWindows())
        {
            return new CredentialManagerStore();
        }

        if (OperatingSystem.IsLinux() || OperatingSystem.IsFreeBSD())
        {
            return new SecretServiceStore(secretService);
        }

        return null;
    }
}
