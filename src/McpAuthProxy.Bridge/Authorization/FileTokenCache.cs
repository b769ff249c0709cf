using McpAuthProxy.OAuth.Tokens;
using ModelContextProtocol.Authentication;

namespace McpAuthProxy.Bridge.Authorization;

/// <summary>
/// The SDK's token cache on our token files, keyed by the MCP server (MCP discovery mode): tokens, and the client
/// the server's authorization server registered for us, survive restarts in a 0600 file.
/// </summary>
internal sealed class FileTokenCache(FileTokenStore store, Uri server, TimeProvider clock) : ITokenCache
{
    private readonly string _key = server.AbsoluteUri;

    public ValueTask<TokenContainer?> GetTokensAsync(CancellationToken cancellationToken)
    {
        var cached = store.Read(_key);
        if (cached?.AccessToken is null)
        {
            return ValueTask.FromResult<TokenContainer?>(null);
        }

        var obtained = cached.ObtainedAt ?? clock.GetUtcNow();
        int? expiresIn = cached.ExpiresAt is { } at ? (int)Math.Max(0, (at - obtained).TotalSeconds) : (int?)cached.ExpiresIn;
        return ValueTask.FromResult<TokenContainer?>(new TokenContainer
        {
            TokenType = cached.TokenType ?? "Bearer",
            AccessToken = cached.AccessToken,
            RefreshToken = cached.RefreshToken,
            ExpiresIn = expiresIn,
            Scope = cached.Scope,
            ObtainedAt = obtained,
            ClientId = cached.ClientId,
            ClientSecret = cached.ClientSecret,
            TokenEndpointAuthMethod = cached.TokenEndpointAuthMethod,
            AuthorizationServer = cached.AuthorizationServer,
        });
    }

    public ValueTask StoreTokensAsync(TokenContainer tokens, CancellationToken cancellationToken)
    {
        store.Write(_key, new CachedToken
        {
            AccessToken = tokens.AccessToken,
            RefreshToken = tokens.RefreshToken,
            ExpiresIn = tokens.ExpiresIn,
            TokenType = tokens.TokenType,
            Scope = tokens.Scope,
            ExpiresAt = tokens.ExpiresIn is { } seconds ? tokens.ObtainedAt.AddSeconds(seconds) : null,
            ObtainedAt = tokens.ObtainedAt,
            Issuer = tokens.AuthorizationServer,
            ClientId = tokens.ClientId,
            ClientSecret = tokens.ClientSecret,
            TokenEndpointAuthMethod = tokens.TokenEndpointAuthMethod,
            AuthorizationServer = tokens.AuthorizationServer,
            Resource = _key,
        });
        return ValueTask.CompletedTask;
    }
}
