using System.Text.Json.Serialization;

namespace McpAuthProxy.OAuth.Tokens;

/// <summary>
/// A token set as cached on disk. The first five fields are the Rust authful-mcp-proxy format, so its files read;
/// the rest are ours: an absolute expiry, and who the token was issued to and for what.
/// </summary>
public sealed record CachedToken
{
    [JsonPropertyName("access_token")] public string? AccessToken { get; init; }
    [JsonPropertyName("refresh_token")] public string? RefreshToken { get; init; }
    [JsonPropertyName("expires_in")] public long? ExpiresIn { get; init; }
    [JsonPropertyName("token_type")] public string? TokenType { get; init; }
    [JsonPropertyName("scope")] public string? Scope { get; init; }

    /// <summary>When the access token expires; null when unknown (a legacy file, or no <c>expires_in</c>).</summary>
    [JsonPropertyName("expires_at")] public DateTimeOffset? ExpiresAt { get; init; }
    [JsonPropertyName("issuer")] public string? Issuer { get; init; }
    [JsonPropertyName("client_id")] public string? ClientId { get; init; }
    /// <summary>The scopes that were asked for, space-separated.</summary>
    [JsonPropertyName("requested_scopes")] public string? RequestedScopes { get; init; }
    [JsonPropertyName("resource")] public string? Resource { get; init; }
    [JsonPropertyName("obtained_at")] public DateTimeOffset? ObtainedAt { get; init; }

    /// <summary>Where the client was registered dynamically: its secret, kept with the token it obtained.</summary>
    [JsonPropertyName("client_secret")] public string? ClientSecret { get; init; }
    [JsonPropertyName("token_endpoint_auth_method")] public string? TokenEndpointAuthMethod { get; init; }
    /// <summary>The authorization server that issued the token and registered the client (MCP discovery mode).</summary>
    [JsonPropertyName("authorization_server")] public string? AuthorizationServer { get; init; }
    /// <summary>The MCP server the token is for, in discovery mode (where it is also the store key).</summary>
    [JsonPropertyName("mcp_server")] public string? McpServer { get; init; }

    /// <summary>A token endpoint's answer, with its expiry made absolute at <paramref name="now"/>.</summary>
    internal static CachedToken From(Json.TokenResponse response, DateTimeOffset now) => new()
    {
        AccessToken = response.AccessToken,
        RefreshToken = response.RefreshToken,
        ExpiresIn = response.ExpiresIn,
        TokenType = response.TokenType ?? "Bearer",
        Scope = response.Scope,
        ExpiresAt = response.ExpiresIn is { } seconds ? now.AddSeconds(seconds) : null,
        ObtainedAt = now,
    };

    /// <summary>How long before expiry a token counts as stale and is refreshed first.</summary>
    public static readonly TimeSpan ExpirySkew = TimeSpan.FromSeconds(60);

    /// <summary>True when the file predates absolute expiries (written by the Rust version).</summary>
    [JsonIgnore] public bool IsLegacy => ClientId is null && ExpiresAt is null && ObtainedAt is null;

    /// <summary>An access token that is not within <see cref="ExpirySkew"/> of its expiry. Unknown expiry counts as fresh.</summary>
    public bool IsFresh(DateTimeOffset now) =>
        !string.IsNullOrEmpty(AccessToken) && (ExpiresAt is not { } at || now < at - ExpirySkew);

    /// <summary>
    /// Whether this token may serve a client with <paramref name="clientId"/> asking for <paramref name="scopes"/>:
    /// same client, and at least the scopes asked for. A legacy file carries neither and is accepted.
    /// </summary>
    public bool Serves(string? clientId, IReadOnlyCollection<string> scopes, string? resource)
    {
        if (ClientId is not null && clientId is not null && !string.Equals(ClientId, clientId, StringComparison.Ordinal))
        {
            return false;
        }

        if (resource is not null && Resource is not null && !string.Equals(resource, Resource, StringComparison.Ordinal))
        {
            return false;
        }

        // A legacy file records only the scopes granted, which may be fewer than asked for: it is accepted as it is.
        var held = IsLegacy ? null : RequestedScopes ?? Scope;
        if (held is null)
        {
            return true;
        }

        var heldSet = ScopeList.Parse(held).ToHashSet(StringComparer.Ordinal);
        return scopes.All(heldSet.Contains);
    }
}
