using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using McpAuthProxy.OAuth.Json;
using McpAuthProxy.OAuth.Registration;
using McpAuthProxy.OAuth.Secrets;

namespace McpAuthProxy.OAuth.Tokens;

/// <summary>
/// Token sets and dynamically registered clients in an OS credential store, as the JSON the token files hold: service
/// <see cref="TokenService"/> or <see cref="ClientService"/>, account = the key the file store names its files by
/// (the issuer, or the MCP server URL in discovery mode). The cross-process lock stays the file store's
/// (<see cref="FileTokenStore.LockAsync"/>): its lock file holds no secret.
/// </summary>
public sealed class SecretTokenStore
{
    public const string TokenService = "mcp-auth-proxy:token";
    public const string ClientService = "mcp-auth-proxy:client";

    public SecretTokenStore(ISecretStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Store = store;
    }

    public ISecretStore Store { get; }

    /// <summary>The cached token for <paramref name="key"/>, or null; an entry that is not a token set reads as none.</summary>
    public async ValueTask<CachedToken?> ReadAsync(string key, CancellationToken cancellationToken) =>
        Parse(await Store.GetAsync(new SecretKey(TokenService, key), cancellationToken).ConfigureAwait(false), OAuthJsonContext.Default.CachedToken);

    public ValueTask WriteAsync(string key, CachedToken token, CancellationToken cancellationToken) =>
        Store.SetAsync(new SecretKey(TokenService, key), Serialize(token, OAuthJsonContext.Default.CachedToken), cancellationToken);

    /// <summary>Removes the cached token and the registered client of <paramref name="key"/>; returns whether there was a token.</summary>
    public async ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await Store.DeleteAsync(new SecretKey(ClientService, key), cancellationToken).ConfigureAwait(false);
        return await Store.DeleteAsync(new SecretKey(TokenService, key), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A dynamically registered client, kept per key and never offered for another issuer.</summary>
    public async ValueTask<ClientRegistration?> ReadClientAsync(string key, CancellationToken cancellationToken)
    {
        var client = Parse(await Store.GetAsync(new SecretKey(ClientService, key), cancellationToken).ConfigureAwait(false), OAuthJsonContext.Default.ClientRegistration);
        return client is not null && string.Equals(client.Issuer, key, StringComparison.Ordinal) ? client : null;
    }

    public ValueTask WriteClientAsync(string key, ClientRegistration client, CancellationToken cancellationToken) =>
        Store.SetAsync(new SecretKey(ClientService, key), Serialize(client with { Issuer = key }, OAuthJsonContext.Default.ClientRegistration), cancellationToken);

    /// <summary>The keys that have a cached token, for <c>status</c>.</summary>
    public ValueTask<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) => Store.ListAsync(TokenService, cancellationToken);

    internal static byte[] Serialize<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(value, type);

    private static T? Parse<T>(byte[]? bytes, JsonTypeInfo<T> type) where T : class
    {
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, type);
        }
        catch (JsonException)
        {
            // Not ours or damaged: the next write replaces it; signing in again is the cost.
            return null;
        }
    }
}
