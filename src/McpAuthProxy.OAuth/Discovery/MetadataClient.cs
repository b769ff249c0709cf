using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using McpAuthProxy.OAuth.Json;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.OAuth.Discovery;

/// <summary>Fetches authorization server metadata (OIDC discovery, RFC 8414) and protected resource metadata (RFC 9728).</summary>
public sealed partial class MetadataClient(HttpClient http, ILogger<MetadataClient> logger)
{
    /// <summary>
    /// Metadata for an issuer the user configured: <c>{issuer}/.well-known/openid-configuration</c>, then RFC 8414's
    /// <c>/.well-known/oauth-authorization-server{path}</c>. The document must name both endpoints the code flow needs.
    /// </summary>
    public async Task<AuthorizationServerMetadata> GetForConfiguredIssuerAsync(Uri issuer, CancellationToken cancellationToken)
    {
        var trimmed = issuer.AbsoluteUri.TrimEnd('/');
        Uri[] candidates =
        [
            new($"{trimmed}/.well-known/openid-configuration"),
            new($"{issuer.GetLeftPart(UriPartial.Authority)}/.well-known/oauth-authorization-server{issuer.AbsolutePath.TrimEnd('/')}"),
        ];

        var metadata = await FirstFoundAsync(candidates, OAuthJsonContext.Default.AuthorizationServerMetadata, issuer, cancellationToken).ConfigureAwait(false)
            ?? throw new OAuthException($"The identity provider at {trimmed} publishes no discovery document (tried {candidates[0]} and {candidates[1]}); check --oidc-issuer-url.");

        if (metadata.Issuer is { } published && !string.Equals(published.TrimEnd('/'), trimmed, StringComparison.Ordinal))
        {
            throw new OAuthException($"The identity provider's discovery document names issuer {published}, not {trimmed}; set --oidc-issuer-url to {published}.");
        }

        RequireCodeFlowEndpoints(metadata, trimmed);
        return metadata;
    }

    /// <summary>
    /// Metadata for an issuer found through protected resource metadata, in the MCP specification's order
    /// (RFC 8414 path-inserted, OIDC path-inserted, OIDC appended); the <c>issuer</c> must be identical.
    /// </summary>
    public async Task<AuthorizationServerMetadata?> GetForDiscoveredIssuerAsync(Uri issuer, CancellationToken cancellationToken)
    {
        var origin = issuer.GetLeftPart(UriPartial.Authority);
        var path = issuer.AbsolutePath.TrimEnd('/');
        Uri[] candidates = path.Length == 0
            ? [new($"{origin}/.well-known/oauth-authorization-server"), new($"{origin}/.well-known/openid-configuration")]
            : [new($"{origin}/.well-known/oauth-authorization-server{path}"), new($"{origin}/.well-known/openid-configuration{path}"), new($"{origin}{path}/.well-known/openid-configuration")];

        foreach (var candidate in candidates)
        {
            var metadata = await TryGetAsync(candidate, OAuthJsonContext.Default.AuthorizationServerMetadata, cancellationToken).ConfigureAwait(false);
            if (metadata is null)
            {
                continue;
            }

            if (!string.Equals(metadata.Issuer, issuer.OriginalString, StringComparison.Ordinal))
            {
                throw new OAuthException($"The authorization server metadata at {candidate} names issuer '{metadata.Issuer}', not '{issuer.OriginalString}'; refusing to use it (RFC 8414 §3.3).");
            }

            return metadata;
        }

        return null;
    }

    /// <summary>
    /// 2025-03-26: a server without protected resource metadata is its own authorization server, whose RFC 8414 metadata
    /// sits at its origin. That revision asks no issuer check (the metadata may name a path below the origin).
    /// </summary>
    public Task<AuthorizationServerMetadata?> GetAtOriginAsync(Uri server, CancellationToken cancellationToken) =>
        TryGetAsync(new Uri($"{server.GetLeftPart(UriPartial.Authority)}/.well-known/oauth-authorization-server"), OAuthJsonContext.Default.AuthorizationServerMetadata, cancellationToken);

    /// <summary>Protected resource metadata from <paramref name="location"/>, or null where there is none.</summary>
    public Task<ProtectedResourceMetadata?> GetProtectedResourceAsync(Uri location, CancellationToken cancellationToken) =>
        TryGetAsync(location, OAuthJsonContext.Default.ProtectedResourceMetadata, cancellationToken);

    /// <summary>Fails unless the metadata has the endpoints and PKCE method the code flow needs.</summary>
    public static void RequireCodeFlowEndpoints(AuthorizationServerMetadata metadata, string issuer)
    {
        if (string.IsNullOrEmpty(metadata.AuthorizationEndpoint) || string.IsNullOrEmpty(metadata.TokenEndpoint))
        {
            var missing = string.IsNullOrEmpty(metadata.AuthorizationEndpoint) ? "authorization_endpoint" : "token_endpoint";
            throw new OAuthException($"The identity provider at {issuer} publishes no {missing} in its discovery document; check --oidc-issuer-url or the provider's configuration.");
        }

        if (metadata.CodeChallengeMethodsSupported is { } methods && !methods.Contains("S256", StringComparer.Ordinal))
        {
            throw new OAuthException($"The identity provider at {issuer} does not support PKCE with S256 (code_challenge_methods_supported: {string.Join(", ", methods)}); enable PKCE S256 for the client.");
        }
    }

    private async Task<T?> FirstFoundAsync<T>(Uri[] candidates, JsonTypeInfo<T> type, Uri issuer, CancellationToken cancellationToken) where T : class
    {
        Exception? unreachable = null;
        foreach (var candidate in candidates)
        {
            try
            {
                if (await TryGetAsync(candidate, type, cancellationToken).ConfigureAwait(false) is { } found)
                {
                    return found;
                }
            }
            catch (OAuthException e) when (e.InnerException is HttpRequestException or TaskCanceledException)
            {
                unreachable = e;
            }
        }

        if (unreachable is not null)
        {
            throw new OAuthException($"Cannot reach the identity provider at {issuer.AbsoluteUri.TrimEnd('/')} ({unreachable.InnerException!.Message.TrimEnd('.')}); check --oidc-issuer-url and your network.", unreachable.InnerException);
        }

        return null;
    }

    private async Task<T?> TryGetAsync<T>(Uri location, JsonTypeInfo<T> type, CancellationToken cancellationToken) where T : class
    {
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, location);
            request.Headers.Accept.ParseAdd("application/json");
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogDiscoveryFailed(location, e.Message);
            throw new OAuthException($"Cannot reach {location}: {e.Message}", e);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.Gone or HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                LogDiscoveryFailed(location, $"HTTP {(int)response.StatusCode}");
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                LogDiscoveryFailed(location, $"HTTP {(int)response.StatusCode}");
                return null;
            }

            try
            {
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                var result = JsonSerializer.Deserialize(body, type);
                LogDiscoveryFetched(location);
                return result;
            }
            catch (JsonException e)
            {
                LogDiscoveryFailed(location, "not JSON: " + e.Message);
                return null;
            }
        }
    }

    [LoggerMessage(Diagnostics.EventIds.DiscoveryFetched, LogLevel.Debug, "Fetched metadata from {Location}.")]
    private partial void LogDiscoveryFetched(Uri location);

    [LoggerMessage(Diagnostics.EventIds.DiscoveryFailed, LogLevel.Debug, "No metadata at {Location}: {Reason}.")]
    private partial void LogDiscoveryFailed(Uri location, string reason);
}
