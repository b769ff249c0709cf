using McpAuthProxy.OAuth.Diagnostics;
using McpAuthProxy.OAuth.Discovery;
using McpAuthProxy.OAuth.Http;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.OAuth.Tokens;

/// <summary>
/// Machine-to-machine tokens (OAuth client credentials grant) with a secret or a <c>private_key_jwt</c> key: no
/// browser and no person. The authorization server is the configured issuer, or is discovered from the server's
/// first 401 (RFC 9728 protected resource metadata, then RFC 8414/OIDC metadata in the MCP specification's order).
/// </summary>
public sealed partial class ClientCredentialsTokenSource(
    Uri server,
    OAuthClientOptions options,
    ClientCredentials client,
    HttpClient backchannel,
    TimeProvider clock,
    ILoggerFactory loggerFactory) : IAccessTokenSource
{
    private readonly MetadataClient _metadataClient = new(backchannel, loggerFactory.CreateLogger<MetadataClient>());
    private readonly TokenEndpointClient _tokenClient = new(backchannel);
    private readonly ILogger _logger = loggerFactory.CreateLogger<ClientCredentialsTokenSource>();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CachedToken? _current;
    private AuthorizationServerMetadata? _metadata;
    private string? _resource;
    private string? _scope;

    public async ValueTask<string?> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && current.IsFresh(clock.GetUtcNow()))
        {
            return current.AccessToken;
        }

        // With a configured issuer a token can be had before the first request; otherwise the first 401 says where.
        return options.Issuer is null && _metadata is null ? null : await RenewAsync(_current?.AccessToken, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> RenewAsync(string? rejected, BearerChallenge? challenge, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } current && current.AccessToken != rejected && current.IsFresh(clock.GetUtcNow()))
            {
                return current.AccessToken!;
            }

            _metadata ??= await DiscoverAsync(challenge, cancellationToken).ConfigureAwait(false);
            if (challenge?.Scope is { } challenged)
            {
                _scope = challenged;
            }

            var response = await _tokenClient.ClientCredentialsAsync(_metadata, client, _scope, _resource, null, cancellationToken).ConfigureAwait(false);
            _current = CachedToken.From(response, clock.GetUtcNow()) with { ClientId = client.ClientId };
            LogIssued(_metadata.Issuer ?? "-", Fingerprint.Of(_current.AccessToken));
            return _current.AccessToken!;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<AuthorizationServerMetadata> DiscoverAsync(BearerChallenge? challenge, CancellationToken cancellationToken)
    {
        _scope = options.ScopesConfigured ? ScopeList.Join(options.Scopes) : null;
        _resource = options.Resource;
        if (options.Issuer is { } issuer)
        {
            return await _metadataClient.GetForConfiguredIssuerAsync(issuer, cancellationToken).ConfigureAwait(false);
        }

        var resource = await new ProtectedResourceLocator(_metadataClient).FindAsync(server, challenge, cancellationToken).ConfigureAwait(false)
            ?? throw new OAuthException($"The MCP server {server} publishes no protected resource metadata (RFC 9728), so its authorization server is unknown; set --oidc-issuer-url.");
        if (!options.OmitResource)
        {
            _resource ??= resource.Resource ?? server.AbsoluteUri;
        }

        _scope ??= resource.ScopesSupported is { Count: > 0 } supported ? ScopeList.Join(supported) : null;
        var authorizationServer = resource.AuthorizationServers?.FirstOrDefault()
            ?? throw new OAuthException($"The MCP server {server} names no authorization server in its metadata.");
        return await _metadataClient.GetForDiscoveredIssuerAsync(new Uri(authorizationServer), cancellationToken).ConfigureAwait(false)
            ?? throw new OAuthException($"The authorization server {authorizationServer} publishes no metadata (RFC 8414 or OpenID discovery).");
    }

    [LoggerMessage(EventIds.ClientCredentialsIssued, LogLevel.Information, "Got a client-credentials token from {Issuer}: {Fingerprint}.")]
    private partial void LogIssued(string issuer, string fingerprint);
}
