using System.Text;

namespace McpAuthProxy.OAuth.Secrets;

/// <summary>Secrets as UTF-8 strings.</summary>
public static class SecretStoreExtensions
{
    public static async ValueTask<string?> GetStringAsync(this ISecretStore store, SecretKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await store.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
    }

    public static ValueTask SetStringAsync(this ISecretStore store, SecretKey key, string secret, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(secret);
        return store.SetAsync(key, Encoding.UTF8.GetBytes(secret), cancellationToken);
    }
}
