using McpAuthProxy.OAuth.Authorization;
using McpAuthProxy.OAuth.Diagnostics;
using McpAuthProxy.OAuth.Discovery;
using McpAuthProxy.OAuth.Http;
using McpAuthProxy.OAuth.Json;
using McpAuthProxy.OAuth.Registration;
using McpAuthProxy.OAuth.Targets;
using McpAuthProxy.OAuth.Tokens;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.OAuth;

/// <summary>
/// The one token engine, for a configured issuer and for discovery from the MCP server alike (the difference is the
/// <see cref="ISignInTargetResolver"/>). Hands out access tokens: from memory, from the store, by refresh, or by a
/// sign-in (browser or device code), in that order. Token work is single-flight in the process and done under the
/// store's cross-process lock, so several bridges for one server refresh once and a rotating refresh token is never
/// spent twice; requests that arrive during a sign-in wait up to <see cref="OAuthClientOptions.SignInWait"/>.
/// </summary>
public sealed partial class TokenProvider : IAccessTokenSource, IAsyncDisposable
{
    private readonly OAuthClientOptions _options;
    private readonly ISignInTargetResolver _resolver;
    private readonly ITokenStore _store;
    private readonly TokenEndpointClient _tokenClient;
    private readonly IdTokenValidator _idTokens;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Action<string> _notify;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _gate = new();
    private readonly string _key;
    private IReadOnlyList<string> _stepUp = [];
    private SignInTarget? _target;
    private BearerChallenge? _challenge;
    private volatile bool _forceSignIn;
    private int _stepUps;
    private CachedToken? _current;
    private Task<CachedToken>? _acquisition;

    /// <summary>The engine for <paramref name="options"/>: the configured issuer, else discovery from <paramref name="server"/>.</summary>
    /// <param name="notify">Writes a line the user must see whatever the log level (the sign-in URL).</param>
    public static TokenProvider Create(OAuthClientOptions options, Uri? server, HttpClient backchannel, TimeProvider clock, ILoggerFactory loggerFactory, Action<string> notify, ITokenStore? store = null)
    {
        if (server is not null)
        {
            options = options.ForServer(server);
        }

        store ??= new FileTokenStore(options.TokenDirectory, clock, loggerFactory.CreateLogger<FileTokenStore>());
        var metadata = new MetadataClient(backchannel, loggerFactory.CreateLogger<MetadataClient>());
        ISignInTargetResolver resolver = options.Issuer is not null
            ? new ConfiguredIssuerResolver(options, metadata)
            : new ServerDiscoveryResolver(server ?? throw new ArgumentNullException(nameof(server), "Discovery needs the MCP server URL."), options, metadata,
                new ClientRegistrar(options, store, backchannel, loggerFactory.CreateLogger<ClientRegistrar>()), backchannel);
        return new TokenProvider(options, resolver, store, backchannel, clock, loggerFactory, notify);
    }

    public TokenProvider(OAuthClientOptions options, ISignInTargetResolver resolver, ITokenStore store, HttpClient backchannel, TimeProvider clock, ILoggerFactory loggerFactory, Action<string> notify)
    {
        _options = options;
        _resolver = resolver;
        _key = resolver.StoreKey;
        _clock = clock;
        _logger = loggerFactory.CreateLogger<TokenProvider>();
        _notify = notify;
        _store = store;
        _tokenClient = new TokenEndpointClient(backchannel);
        _idTokens = new IdTokenValidator(backchannel);
    }

    /// <summary>The authorization URL of the sign-in in progress, if any.</summary>
    public Uri? PendingAuthorizationUrl { get; private set; }

    public ITokenStore Store => _store;

    /// <summary>The store key of this engine's token: the configured issuer, or the MCP server URL in discovery mode.</summary>
    public string Key => _key;

    /// <summary>The scopes a token must hold now: the configured ones, and those a 403 asked for.</summary>
    private IReadOnlyList<string> Required => ScopeList.Union(_resolver.RequiredScopes, _stepUp);

    /// <summary>
    /// Loads the cached token without touching the network, and starts a sign-in (or refresh) in the background when
    /// there is no fresh one. Returns the acquisition to await where the caller must know the outcome.
    /// </summary>
    public Task<CachedToken?> StartAsync()
    {
        var cached = _store.Read(_key);
        if (cached is not null && Serves(cached) && cached.IsFresh(_clock.GetUtcNow()))
        {
            _current = cached;
            LogFromCacheIfEnabled(cached);
            return Task.FromResult<CachedToken?>(cached);
        }

        if (cached is null && _resolver.Server is not null)
        {
            // Discovery with nothing cached: the server's first 401 says where to sign in; the client's first request,
            // sent as soon as it starts the bridge, brings it.
            return Task.FromResult<CachedToken?>(null);
        }

        return StartAcquisition(rejected: null)!;
    }

    /// <summary>
    /// A usable token now, signing in where needed even in discovery mode with nothing cached (the server's metadata is
    /// found without a client's request): <c>login</c>.
    /// </summary>
    public async Task<CachedToken> SignInAheadAsync() => await StartAsync().ConfigureAwait(false) ?? await StartAcquisition(rejected: null).ConfigureAwait(false);

    async ValueTask<string?> IAccessTokenSource.GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && current.IsFresh(_clock.GetUtcNow()))
        {
            return current.AccessToken!;
        }

        if (_resolver.Server is not null && _target is null && _acquisition is null && _store.Read(_key) is null)
        {
            // Nothing known yet: send the request bare and learn from its 401 where to sign in.
            return null;
        }

        return await GetAccessTokenAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// After a 401, a token other than the rejected one. After a 403 <c>insufficient_scope</c>, a sign-in for the union
    /// of the scopes held and the scopes asked, even when a refresh token exists; at most <see cref="MaxStepUps"/> times.
    /// </summary>
    async Task<string> IAccessTokenSource.RenewAsync(string? rejected, BearerChallenge? challenge, CancellationToken cancellationToken)
    {
        _challenge = challenge;
        if (challenge is { Error: "insufficient_scope", Scope: { } needed })
        {
            var held = _target?.Scopes ?? Required;
            var union = ScopeList.Union(held, ScopeList.Parse(needed));
            if (union.Count == held.Count)
            {
                throw new OAuthException($"The server asks for scopes ({needed}) that the token already holds; it cannot be given more.");
            }

            if (Interlocked.Increment(ref _stepUps) > MaxStepUps)
            {
                throw new OAuthException($"The server keeps asking for more scopes ({needed}); gave up after {MaxStepUps} sign-ins.");
            }

            LogStepUp(ScopeList.Join(union));
            _stepUp = ScopeList.Union(_stepUp, union);
            _forceSignIn = true;
        }

        return await RenewAsync(rejected, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many times a 403 may lead to a new sign-in for more scopes in one run.</summary>
    public const int MaxStepUps = 2;

    /// <summary>A fresh access token, waiting for a refresh or sign-in where needed.</summary>
    public async ValueTask<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && current.IsFresh(_clock.GetUtcNow()))
        {
            return current.AccessToken!;
        }

        return (await WaitAsync(StartAcquisition(rejected: null), cancellationToken).ConfigureAwait(false)).AccessToken!;
    }

    /// <summary>A token other than <paramref name="rejected"/>, which the server refused: refreshed, or from a new sign-in.</summary>
    public async Task<string> RenewAsync(string? rejected, CancellationToken cancellationToken)
    {
        var token = await WaitAsync(StartAcquisition(rejected), cancellationToken).ConfigureAwait(false);
        if (rejected is not null && token.AccessToken == rejected)
        {
            // We joined an acquisition that started before the rejection and reused the same token: go again.
            token = await WaitAsync(StartAcquisition(rejected), cancellationToken).ConfigureAwait(false);
        }

        return token.AccessToken!;
    }

    private Task<CachedToken> StartAcquisition(string? rejected)
    {
        lock (_gate)
        {
            if (_acquisition is { IsCompleted: false } running)
            {
                return running;
            }

            return _acquisition = Task.Run(() => AcquireAsync(rejected, _lifetime.Token));
        }
    }

    private async Task<CachedToken> WaitAsync(Task<CachedToken> acquisition, CancellationToken cancellationToken)
    {
        try
        {
            return await acquisition.WaitAsync(_options.SignInWait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new SignInPendingException(PendingAuthorizationUrl);
        }
    }

    private async Task<CachedToken> AcquireAsync(string? rejected, CancellationToken cancellationToken)
    {
        using var crossProcess = await _store.LockAsync(_key, cancellationToken).ConfigureAwait(false);
        var now = _clock.GetUtcNow();
        var cached = _store.Read(_key);
        if (cached is not null && !Serves(cached))
        {
            LogCacheMismatch(cached.ClientId ?? "-", cached.RequestedScopes ?? cached.Scope ?? "-");
            cached = null;
        }

        if (cached is not null && cached.AccessToken != rejected && cached.IsFresh(now))
        {
            // Another process (or an earlier acquisition) already has a good token: it refreshed, we read its result.
            _current = cached;
            LogFromCacheIfEnabled(cached);
            return cached;
        }

        var challenge = _challenge;
        _challenge = null;
        var target = _target = await _resolver.ResolveAsync(challenge, cached, _stepUp, cancellationToken).ConfigureAwait(false);
        var sameServer = cached?.AuthorizationServer is not { } issuedBy || string.Equals(issuedBy, target.Issuer, StringComparison.Ordinal);
        if (!sameServer)
        {
            // The MCP server moved to another authorization server: the old one's tokens and scopes mean nothing there.
            LogMovedServer(cached!.AuthorizationServer!, target.Issuer);
            _stepUp = [];
        }

        if (cached?.RefreshToken is { } refreshToken && !_forceSignIn && sameServer && _resolver.ClientForRefresh(cached) is { } refreshClient)
        {
            try
            {
                var refreshed = await RefreshAsync(target, refreshClient, cached, refreshToken, cancellationToken).ConfigureAwait(false);
                return Keep(refreshed);
            }
            catch (OAuthException e)
            {
                LogRefreshFailed(e.Message);
            }
        }

        if (!_options.Interactive)
        {
            throw new OAuthException($"No valid token is cached for {_key}; run 'mcp-auth-proxy login' first.");
        }

        var signedIn = Keep(await SignInAsync(target, cancellationToken).ConfigureAwait(false));
        _forceSignIn = false;
        return signedIn;
    }

    private bool Serves(CachedToken cached) => cached.Serves(_resolver.ConfiguredClientId, Required, _options.Resource);

    private CachedToken Keep(CachedToken token)
    {
        _store.Write(_key, token);
        _current = token;
        return token;
    }

    private async Task<CachedToken> RefreshAsync(SignInTarget target, ClientCredentials client, CachedToken cached, string refreshToken, CancellationToken cancellationToken)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogRefreshStarted(Fingerprint.Of(refreshToken));
        }

        var response = await _tokenClient.RefreshAsync(target.Metadata, client, refreshToken, cached.Resource ?? target.Resource, cancellationToken).ConfigureAwait(false);
        var token = ToCached(response, target, client, cached.RequestedScopes ?? ScopeList.Join(target.Scopes)) with { Resource = cached.Resource ?? target.Resource };
        if (token.RefreshToken is null)
        {
            // No rotation: the old refresh token stays valid, so keep it (authful-mcp-proxy's "login every hour" bug).
            token = token with { RefreshToken = refreshToken };
        }

        LogRefreshSucceeded(Fingerprint.Of(token.AccessToken), Expiry(token.ExpiresAt));
        return token;
    }

    private async Task<CachedToken> SignInAsync(SignInTarget target, CancellationToken cancellationToken)
    {
        var metadata = target.Metadata;
        if (_options.Flow == AuthFlow.Device)
        {
            return await SignInOnAnotherDeviceAsync(target, cancellationToken).ConfigureAwait(false);
        }

        MetadataClient.RequireCodeFlowEndpoints(metadata, target.Issuer);
        await using var listener = await LoopbackCallbackListener.StartAsync(_options.RedirectUri, cancellationToken).ConfigureAwait(false);
        var redirectUri = _options.RedirectUri.Port == 0 ? listener.RedirectUri : _options.RedirectUri;
        var client = await _resolver.ClientForSignInAsync(target, redirectUri, cancellationToken).ConfigureAwait(false);
        var scopes = target.Scopes;
        var pkce = Pkce.Create();
        var state = Pkce.RandomValue();
        var nonce = scopes.Contains("openid") ? Pkce.RandomValue() : null;
        var url = AuthorizationUrl.Build(metadata.AuthorizationEndpoint!,
        [
            new("response_type", "code"),
            new("client_id", client.ClientId),
            new("redirect_uri", redirectUri.OriginalString),
            new("scope", scopes.Count == 0 ? null : ScopeList.Join(scopes)),
            new("state", state),
            new("code_challenge", pkce.Challenge),
            new("code_challenge_method", "S256"),
            new("nonce", nonce),
            new("resource", target.Resource),
        ]);
        AuthorizationUrl.EnsureSafe(url);

        PendingAuthorizationUrl = url;
        LogSignInStarted(target.Issuer, client.ClientId);
        _notify($"Sign in to continue. If your browser does not open, open this URL: {url.AbsoluteUri}");
        if (_options.Browser is { } browser)
        {
            _ = Task.Run(() => browser(url, cancellationToken), cancellationToken).ContinueWith(t => LogBrowserFailed(t.Exception!.InnerException!.Message), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
        else if (!BrowserLauncher.TryOpen(url, out var failure))
        {
            LogBrowserFailed(failure ?? "unknown");
        }

        try
        {
            var answer = await listener.WaitAsync(new ExpectedCallback(state, metadata.Issuer, metadata.AuthorizationResponseIssParameterSupported == true), _options.LoginTimeout, cancellationToken).ConfigureAwait(false);
            var response = await _tokenClient.RedeemCodeAsync(metadata, client, answer.Code, redirectUri, pkce.Verifier, target.Resource, cancellationToken).ConfigureAwait(false);
            if (response.IdToken is { } idToken && nonce is not null)
            {
                await _idTokens.ValidateAsync(idToken, metadata, client.ClientId, nonce, cancellationToken).ConfigureAwait(false);
            }

            var token = ToCached(response, target, client, ScopeList.Join(scopes));
            LogSignedIn(Fingerprint.Of(token.AccessToken), Expiry(token.ExpiresAt), token.RefreshToken is null ? "no" : "yes");
            return token;
        }
        catch (OAuthException e)
        {
            LogSignInFailed(e.Message);
            throw;
        }
        finally
        {
            PendingAuthorizationUrl = null;
        }
    }

    /// <summary>RFC 8628: show a code and a URL on stderr, then poll the token endpoint as the server says.</summary>
    private async Task<CachedToken> SignInOnAnotherDeviceAsync(SignInTarget target, CancellationToken cancellationToken)
    {
        var metadata = target.Metadata;
        var client = _resolver.ClientForRefresh(new CachedToken()) ?? throw new OAuthException("The device flow needs a client registered at the identity provider: set --oidc-client-id (OIDC_CLIENT_ID).");
        var scope = target.Scopes.Count == 0 ? null : ScopeList.Join(target.Scopes);
        var device = await _tokenClient.StartDeviceAuthorizationAsync(metadata, client, scope, target.Resource, cancellationToken).ConfigureAwait(false);
        if (device.DeviceCode is null || device.UserCode is null || device.VerificationUri is null)
        {
            throw new OAuthException($"The device authorization endpoint of {target.Issuer} answered without device_code, user_code or verification_uri.");
        }

        var complete = device.VerificationUriComplete is { } full ? $" (or open {full})" : "";
        _notify($"To sign in, open {device.VerificationUri} on any device and enter the code {device.UserCode}{complete}.");
        PendingAuthorizationUrl = Uri.TryCreate(device.VerificationUriComplete ?? device.VerificationUri, UriKind.Absolute, out var url) ? url : null;
        var interval = TimeSpan.FromSeconds(Math.Max(1, device.Interval ?? 5));
        var deadline = _clock.GetUtcNow() + TimeSpan.FromSeconds(Math.Min(device.ExpiresIn ?? 600, _options.LoginTimeout.TotalSeconds));
        try
        {
            while (_clock.GetUtcNow() < deadline)
            {
                await Task.Delay(interval, _clock, cancellationToken).ConfigureAwait(false);
                try
                {
                    var response = await _tokenClient.DeviceCodeAsync(metadata, client, device.DeviceCode, target.Resource, cancellationToken).ConfigureAwait(false);
                    var token = ToCached(response, target, client, ScopeList.Join(target.Scopes));
                    LogSignedIn(Fingerprint.Of(token.AccessToken), Expiry(token.ExpiresAt), token.RefreshToken is null ? "no" : "yes");
                    return token;
                }
                catch (OAuthException e) when (e.Error is "authorization_pending")
                {
                }
                catch (OAuthException e) when (e.Error is "slow_down")
                {
                    interval += TimeSpan.FromSeconds(5);
                }
            }

            throw new OAuthException($"The device code expired before the sign-in was finished. Run again and enter the code within {LoopbackCallbackListener.FormatDuration(deadline - _clock.GetUtcNow() + interval)}.");
        }
        finally
        {
            PendingAuthorizationUrl = null;
        }
    }

    private CachedToken ToCached(TokenResponse response, SignInTarget target, ClientCredentials client, string requestedScopes) =>
        CachedToken.From(response, _clock.GetUtcNow()) with
        {
            Issuer = target.Issuer,
            AuthorizationServer = target.Issuer,
            ClientId = client.ClientId,
            // A registered client's secret goes with its token, so a refresh in another process can use it.
            ClientSecret = _resolver.ConfiguredClientId is null ? client.ClientSecret : null,
            TokenEndpointAuthMethod = _resolver.ConfiguredClientId is null ? client.AuthMethod : null,
            RequestedScopes = requestedScopes,
            Resource = target.Resource,
            McpServer = _resolver.Server?.AbsoluteUri,
        };

    private static string Expiry(DateTimeOffset? at) => at?.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? "unknown";

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (_acquisition is { } running)
        {
            await ((Task)running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _lifetime.Dispose();
    }
}
