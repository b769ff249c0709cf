using System.Net.Http.Json;
using System.Text.Json;
using McpAuthProxy.OAuth.Diagnostics;
using McpAuthProxy.OAuth.Discovery;
using McpAuthProxy.OAuth.Json;
using McpAuthProxy.OAuth.Tokens;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.OAuth.Registration;

/// <summary>
/// The client identity at a discovered authorization server, from the sources the MCP authorization specification
/// names, in its order: the client the user configured (pre-registered), a Client ID Metadata Document where the server
/// supports them, else dynamic client registration (RFC 7591, <c>application_type: native</c>). A registration is kept
/// per issuer, never offered to another, and done again when the redirect URI or the scopes it must cover change.
/// </summary>
public sealed partial class ClientRegistrar(OAuthClientOptions options, ITokenStore store, HttpClient http, ILogger<ClientRegistrar> logger)
{
    public const string ClientName = "mcp-auth-proxy";

    /// <summary>The client to sign in with at <paramref name="issuer"/>.</summary>
    public async Task<ClientCredentials> GetAsync(string issuer, AuthorizationServerMetadata metadata, Uri redirectUri, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        if (options.ClientId is { } configured)
        {
            return new ClientCredentials(configured, options.ClientSecret);
        }

        if (options.ClientMetadataUrl is { } document && metadata.ClientIdMetadataDocumentSupported == true)
        {
            return new ClientCredentials(document.AbsoluteUri, AuthMethod: "none");
        }

        var kept = store.ReadClient(issuer);
        if (kept is { ClientId: { } id } && Covers(kept, redirectUri, scopes))
        {
            return new ClientCredentials(id, kept.ClientSecret, kept.TokenEndpointAuthMethod);
        }

        var endpoint = metadata.RegistrationEndpoint
            ?? throw new OAuthException($"The authorization server {issuer} offers no way to register this client (no registration_endpoint{(options.ClientMetadataUrl is null ? "" : ", no Client ID Metadata Documents")}). Register a client there and set --oidc-client-id (OIDC_CLIENT_ID), with --oidc-client-secret if it has one.");
        var registered = await RegisterAsync(endpoint, redirectUri, scopes, cancellationToken).ConfigureAwait(false);
        store.WriteClient(issuer, registered);
        LogRegistered(issuer, registered.ClientId!);
        return new ClientCredentials(registered.ClientId!, registered.ClientSecret, registered.TokenEndpointAuthMethod);
    }

    /// <summary>The client a token was obtained with, for its refresh: the one recorded in the token, else the kept registration.</summary>
    public ClientCredentials? ForRefresh(CachedToken token)
    {
        if (options.ClientId is { } configured)
        {
            return new ClientCredentials(configured, options.ClientSecret);
        }

        if (token.ClientId is { } id)
        {
            return new ClientCredentials(id, token.ClientSecret, token.TokenEndpointAuthMethod);
        }

        return token.AuthorizationServer is { } issuer && store.ReadClient(issuer) is { ClientId: { } kept } registration
            ? new ClientCredentials(kept, registration.ClientSecret, registration.TokenEndpointAuthMethod)
            : null;
    }

    private static bool Covers(ClientRegistration registration, Uri redirectUri, IReadOnlyList<string> scopes)
    {
        if (registration.RedirectUris is { } uris && !uris.Contains(redirectUri.OriginalString, StringComparer.Ordinal))
        {
            return false;
        }

        // A registration that named no scopes limits none; one that did must hold every scope asked for now.
        return registration.Scope is not { } registered || scopes.All(ScopeList.Parse(registered).Contains);
    }

    private async Task<ClientRegistration> RegisterAsync(string endpoint, Uri redirectUri, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        var request = new ClientRegistrationRequest
        {
            ClientName = ClientName,
            RedirectUris = [redirectUri.OriginalString],
            GrantTypes = ["authorization_code", "refresh_token"],
            ResponseTypes = ["code"],
            TokenEndpointAuthMethod = "none",
            ApplicationType = "native",
            Scope = scopes.Count == 0 ? null : ScopeList.Join(scopes),
        };

        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(endpoint, request, OAuthJsonContext.Default.ClientRegistrationRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new OAuthException($"Cannot reach the registration endpoint {endpoint}: {e.Message}", e);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var error = TryRead(body, OAuthJsonContext.Default.OAuthErrorResponse);
                var detail = error?.Error is { } code ? $": {Authorization.LoopbackCallbackListener.OneLine(code)}{(error.ErrorDescription is { } d ? $" ({Authorization.LoopbackCallbackListener.OneLine(d)})" : "")}" : "";
                throw new OAuthException($"The authorization server refused to register this client (HTTP {(int)response.StatusCode}{detail}). Register a client there by hand and set --oidc-client-id (OIDC_CLIENT_ID).", error?.Error);
            }

            var registered = TryRead(body, OAuthJsonContext.Default.ClientRegistration);
            if (string.IsNullOrEmpty(registered?.ClientId))
            {
                throw new OAuthException($"The registration endpoint {endpoint} answered without a client_id.");
            }

            return registered with
            {
                RedirectUris = registered.RedirectUris ?? request.RedirectUris,
                Scope = registered.Scope ?? request.Scope,
                TokenEndpointAuthMethod = registered.TokenEndpointAuthMethod ?? (registered.ClientSecret is null ? "none" : null),
            };
        }
    }

    private static T? TryRead<T>(byte[] body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(EventIds.Registered, LogLevel.Information, "Registered at {Issuer} as client '{ClientId}'.")]
    private partial void LogRegistered(string issuer, string clientId);
}
