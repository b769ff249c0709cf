using System.Net;
using System.Net.Http.Headers;
using McpAuthProxy.OAuth.Discovery;
using McpAuthProxy.OAuth.Registration;
using McpAuthProxy.OAuth.Tokens;

namespace McpAuthProxy.OAuth.Targets;

/// <summary>
/// MCP authorization discovery (2025-06-18 to 2026-07-28): the MCP server's protected resource metadata (RFC 9728) names
/// its authorization server, whose metadata is read in the specification's order with the issuer checked; scopes come
/// from the challenge, else the metadata's <c>scopes_supported</c>; the resource is the one the metadata names. A
/// 2025-03-26 server without that metadata is its own authorization server. Read again at every challenge, so a server
/// that moves to another authorization server is followed (with a registration there).
/// </summary>
public sealed class ServerDiscoveryResolver(Uri server, OAuthClientOptions options, MetadataClient metadataClient, ClientRegistrar registrar, HttpClient http) : ISignInTargetResolver
{
    private const string OfflineAccess = "offline_access";
    private readonly ProtectedResourceLocator _locator = new(metadataClient);
    private SignInTarget? _last;

    public string StoreKey => server.AbsoluteUri;

    public Uri? Server => server;

    public string? ConfiguredClientId => options.ClientId;

    public IReadOnlyList<string> RequiredScopes => [];

    public async Task<SignInTarget> ResolveAsync(BearerChallenge? challenge, CachedToken? cached, IReadOnlyList<string> stepUp, CancellationToken cancellationToken)
    {
        if (challenge is null && _last is { } last)
        {
            return last with { Scopes = ScopeList.Union(last.Scopes, stepUp) };
        }

        if (challenge is null && cached?.AuthorizationServer is { } known && Uri.TryCreate(known, UriKind.Absolute, out var knownUri)
            && await metadataClient.GetForDiscoveredIssuerAsync(knownUri, cancellationToken).ConfigureAwait(false) is { } knownMetadata)
        {
            // A token from an earlier run: its authorization server is known, no need to ask the MCP server.
            return _last = new SignInTarget(known, knownMetadata, ScopeList.Union(ScopeList.Parse(cached.RequestedScopes), stepUp), Resource(cached.Resource));
        }

        var resource = await _locator.FindAsync(server, challenge, cancellationToken).ConfigureAwait(false);
        if (resource is null && challenge is null)
        {
            // Nothing at the well-known locations: ask the server itself, whose 401 names the metadata (login without a client).
            challenge = await ProbeAsync(cancellationToken).ConfigureAwait(false);
            resource = await _locator.FindAsync(server, challenge, cancellationToken).ConfigureAwait(false);
        }

        string issuer;
        AuthorizationServerMetadata metadata;
        if (resource is null)
        {
            // 2025-03-26: no protected resource metadata; the server's origin is the authorization server.
            var origin = server.GetLeftPart(UriPartial.Authority);
            metadata = await metadataClient.GetAtOriginAsync(server, cancellationToken).ConfigureAwait(false) ?? DefaultEndpoints(origin);
            issuer = metadata.Issuer ?? origin;
        }
        else
        {
            issuer = resource.AuthorizationServers?.FirstOrDefault(s => !string.IsNullOrWhiteSpace(s))
                ?? throw new OAuthException($"The MCP server {server} names no authorization server in its protected resource metadata; ask its operator, or set --oidc-issuer-url and --oidc-client-id.");
            if (!Uri.TryCreate(issuer, UriKind.Absolute, out var issuerUri))
            {
                throw new OAuthException($"The MCP server {server} names an authorization server that is not a URL: {issuer}.");
            }

            metadata = await metadataClient.GetForDiscoveredIssuerAsync(issuerUri, cancellationToken).ConfigureAwait(false)
                ?? throw new OAuthException($"The authorization server {issuer} publishes no metadata (RFC 8414 or OpenID discovery); set --oidc-issuer-url and --oidc-client-id to sign in there by hand.");
        }

        IReadOnlyList<string> scopes = challenge?.Scope is { } challenged ? ScopeList.Parse(challenged)
            : resource?.ScopesSupported is { Count: > 0 } supported ? [.. supported]
            : options.ScopesConfigured ? options.Scopes
            : [];
        scopes = ScopeList.Union(scopes, stepUp);
        if (scopes.Count > 0 && metadata.ScopesSupported?.Contains(OfflineAccess) == true && !scopes.Contains(OfflineAccess))
        {
            // SEP-2207: where the authorization server offers refresh tokens by scope, ask for them.
            scopes = [.. scopes, OfflineAccess];
        }

        return _last = new SignInTarget(metadata.Issuer ?? issuer, metadata, scopes, Resource(resource?.Resource));
    }

    public Task<ClientCredentials> ClientForSignInAsync(SignInTarget target, Uri redirectUri, CancellationToken cancellationToken) =>
        registrar.GetAsync(target.Issuer, target.Metadata, redirectUri, target.Scopes, cancellationToken);

    public ClientCredentials? ClientForRefresh(CachedToken cached) => registrar.ForRefresh(cached);

    /// <summary>The resource to ask tokens for: configured, else what the metadata names, else the server URL; none with --no-resource.</summary>
    private string? Resource(string? named) => options.OmitResource ? null : options.Resource ?? named ?? server.AbsoluteUri;

    /// <summary>2025-03-26's defaults where the server's origin publishes no metadata either.</summary>
    private static AuthorizationServerMetadata DefaultEndpoints(string origin) => new()
    {
        Issuer = origin,
        AuthorizationEndpoint = origin + "/authorize",
        TokenEndpoint = origin + "/token",
        RegistrationEndpoint = origin + "/register",
    };

    private async Task<BearerChallenge?> ProbeAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, server)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":"mcp-auth-proxy-probe","method":"ping"}""", new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new OAuthException($"Cannot reach the MCP server {server}: {e.Message}", e);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                throw new OAuthException($"The MCP server {server} answered HTTP {(int)response.StatusCode} without asking for a sign-in, and publishes no protected resource metadata; there is nothing to sign in to.");
            }

            return BearerChallenge.Parse(response.Headers.WwwAuthenticate.Select(h => h.ToString()));
        }
    }
}
