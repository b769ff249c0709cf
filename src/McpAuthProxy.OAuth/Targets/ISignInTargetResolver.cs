using McpAuthProxy.OAuth.Discovery;
using McpAuthProxy.OAuth.Tokens;

namespace McpAuthProxy.OAuth.Targets;

/// <summary>
/// How the one token engine (<see cref="TokenProvider"/>) learns where to sign in: from the issuer the user configured
/// (<see cref="ConfiguredIssuerResolver"/>), or from the MCP server itself (<see cref="ServerDiscoveryResolver"/>).
/// Everything else (cache, cross-process lock, refresh, sign-in, step-up, waiting) is the same in both.
/// </summary>
public interface ISignInTargetResolver
{
    /// <summary>The token store's key: the configured issuer, or the MCP server URL.</summary>
    string StoreKey { get; }

    /// <summary>The MCP server whose metadata says where to sign in; null where the issuer is configured.</summary>
    Uri? Server { get; }

    /// <summary>The client id a cached token must have been issued to, where the configuration names one.</summary>
    string? ConfiguredClientId { get; }

    /// <summary>The scopes every token must hold whatever the server says (the configured ones; none in discovery mode).</summary>
    IReadOnlyList<string> RequiredScopes { get; }

    /// <summary>
    /// Where to sign in now. <paramref name="challenge"/> is the server's latest 401/403 challenge, if any;
    /// <paramref name="cached"/> the token held, whose authorization server may be reused; <paramref name="stepUp"/>
    /// the scopes that 403 <c>insufficient_scope</c> answers asked for, to add.
    /// </summary>
    Task<SignInTarget> ResolveAsync(BearerChallenge? challenge, CachedToken? cached, IReadOnlyList<string> stepUp, CancellationToken cancellationToken);

    /// <summary>The client to sign in with at <paramref name="target"/>, for <paramref name="redirectUri"/> (registered where needed).</summary>
    Task<Tokens.ClientCredentials> ClientForSignInAsync(SignInTarget target, Uri redirectUri, CancellationToken cancellationToken);

    /// <summary>The client that obtained <paramref name="cached"/>, to refresh it; null when it is unknown.</summary>
    Tokens.ClientCredentials? ClientForRefresh(CachedToken cached);
}
