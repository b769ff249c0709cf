using McpAuthProxy.OAuth.Discovery;
using McpAuthProxy.OAuth.Tokens;

namespace McpAuthProxy.OAuth.Targets;

/// <summary>authful-mcp-proxy's way: the user names the issuer, the client and the scopes.</summary>
public sealed class ConfiguredIssuerResolver(OAuthClientOptions options, MetadataClient metadataClient) : ISignInTargetResolver
{
    private readonly Uri _issuer = options.Issuer ?? throw new ArgumentException("An issuer is required.", nameof(options));
    private AuthorizationServerMetadata? _metadata;

    public string StoreKey => _issuer.OriginalString;

    public Uri? Server => null;

    public string? ConfiguredClientId => options.ClientId;

    public IReadOnlyList<string> RequiredScopes => options.Scopes;

    public async Task<SignInTarget> ResolveAsync(BearerChallenge? challenge, CachedToken? cached, IReadOnlyList<string> stepUp, CancellationToken cancellationToken)
    {
        _metadata ??= await metadataClient.GetForConfiguredIssuerAsync(_issuer, cancellationToken).ConfigureAwait(false);
        return new SignInTarget(_issuer.OriginalString, _metadata, ScopeList.Union(options.Scopes, stepUp), options.Resource);
    }

    public Task<ClientCredentials> ClientForSignInAsync(SignInTarget target, Uri redirectUri, CancellationToken cancellationToken) => Task.FromResult(Client);

    public ClientCredentials? ClientForRefresh(CachedToken cached) => Client;

    private ClientCredentials Client => new(options.ClientId ?? throw new OAuthException("No client id is configured; set --oidc-client-id (OIDC_CLIENT_ID)."), options.ClientSecret);
}
