using McpAuthProxy.OAuth.Authorization;
using McpAuthProxy.OAuth.Diagnostics;
using McpAuthProxy.OAuth.Discovery;
using McpAuthProxy.OAuth.Http;
using McpAuthProxy.OAuth.Json;
using McpAuthProxy.OAuth.Tokens;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.OAuth;

/// <summary>
/// Hands out access tokens: from memory, from the cache file, by refresh, or by a browser sign-in, in that order.
/// Token work is single-flight in the process and guarded across processes by the store's lock; requests that
/// arrive during a sign-in wait up to <see cref="OAuthClientOptions.SignInWait"/>.
/// </summary>
public sealed partial class TokenProvider : IAccessTokenSource, IAsyncDisposable
{
    private readonly OAuthClientOptions _options;
    private readonly FileTokenStore _store;
    private readonly MetadataClient _metadataClient;
    private readonly TokenEndpointClient _tokenClient;
    private readonly IdTokenValidator _idTokens;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Action<string> _notify;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _gate = new();
    private readonly string _issuerKey;
    private AuthorizationServerMetadata? _metadata;
    private IReadOnlyList<string> _scopes;
    private volatile bool _forceSignIn;
    private int _stepUps;
    private CachedToken? _current;
    private Task<CachedToken>? _acquisition;

    /// <param name="notify">Writes a line the user must see whatever the log level (the sign-in URL).</param>
    public TokenProvider(OAuthClientOptions options, HttpClient backchannel, TimeProvider clock, ILoggerFactory loggerFactory, Action<string> notify)
    {
        _options = options;
        _issuerKey = options.Issuer?.OriginalString ?? throw new ArgumentException("An issuer is required.", nameof(options));
        _clock = clock;
        _logger = loggerFactory.CreateLogger<TokenProvider>();
        _notify = notify;
        _scopes = options.Scopes;
        _store = new FileTokenStore(options.TokenDirectory, clock, loggerFactory.CreateLogger<FileTokenStore>());
        _metadataClient = new MetadataClient(backchannel, loggerFactory.CreateLogger<MetadataClient>());
        _tokenClient = new TokenEndpointClient(backchannel);
        _idTokens = new IdTokenValidator(backchannel);
    }

    /// <summary>The authorization URL of the sign-in in progress, if any.</summary>
    public Uri? PendingAuthorizationUrl { get; private set; }

    public FileTokenStore Store => _store;

    /// <summary>The scopes asked for (more after a step-up).</summary>
    public IReadOnlyList<string> Scopes => _scopes;

    /// <summary>
    /// Loads the cached token without touching the network, and starts a sign-in (or refresh) in the background when
    /// there is no fresh one. Returns the acquisition to await where the caller must know the outcome.
    /// </summary>
    public Task<CachedToken> StartAsync()
    {
        var cached = _store.Read(_issuerKey);
        if (cached is not null && cached.Serves(_options.ClientId, _scopes, _options.Resource) && cached.IsFresh(_clock.GetUtcNow()))
        {
            _current = cached;
            LogFromCacheIfEnabled(cached);
            return Task.FromResult(cached);
        }

        return StartAcquisition(rejected: null);
    }

    async ValueTask<string?> IAccessTokenSource.GetAccessTokenAsync(CancellationToken cancellationToken) =>
        await GetAccessTokenAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// After a 401, a token other than the rejected one. After a 403 <c>insufficient_scope</c>, a sign-in for the union
    /// of the scopes held and the scopes asked, even when a refresh token exists; at most <see cref="MaxStepUps"/> times.
    /// </summary>
    async Task<string> IAccessTokenSource.RenewAsync(string? rejected, BearerChallenge? challenge, CancellationToken cancellationToken)
    {
        if (challenge is { Error: "insufficient_scope", Scope: { } needed })
        {
            var union = ScopeList.Union(_scopes, ScopeList.Parse(needed));
            if (union.Count == _scopes.Count)
            {
                throw new OAuthException($"The server asks for scopes ({needed}) that the token already holds; it cannot be given more.");
            }

            if (Interlocked.Increment(ref _stepUps) > MaxStepUps)
            {
                throw new OAuthException($"The server keeps asking for more scopes ({needed}); gave up after {MaxStepUps} sign-ins.");
            }

            LogStepUp(ScopeList.Join(union));
            _scopes = union;
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
        using var crossProcess = await _store.LockAsync(_issuerKey, cancellationToken).ConfigureAwait(false);
        var now = _clock.GetUtcNow();
        var cached = _store.Read(_issuerKey);
        if (cached is not null && !cached.Serves(_options.ClientId, _scopes, _options.Resource))
        {
            LogCacheMismatch(cached.ClientId ?? "-", cached.RequestedScopes ?? cached.Scope ?? "-");
            cached = null;
        }

        if (cached is not null && cached.AccessToken != rejected && cached.IsFresh(now))
        {
            // Another process (or an earlier acquisition) already has a good token.
            _current = cached;
            LogFromCacheIfEnabled(cached);
            return cached;
        }

        if (cached?.RefreshToken is { } refreshToken && !_forceSignIn)
        {
            try
            {
                var refreshed = await RefreshAsync(cached, refreshToken, cancellationToken).ConfigureAwait(false);
                return Keep(refreshed);
            }
            catch (OAuthException e)
            {
                LogRefreshFailed(e.Message);
            }
        }

        if (!_options.Interactive)
        {
            throw new OAuthException($"No valid token is cached for {_issuerKey}; run 'mcp-auth-proxy login' first.");
        }

        var signedIn = Keep(await SignInAsync(cancellationToken).ConfigureAwait(false));
        _forceSignIn = false;
        return signedIn;
    }

    private CachedToken Keep(CachedToken token)
    {
        _store.Write(_issuerKey, token);
        _current = token;
        return token;
    }

    private async Task<AuthorizationServerMetadata> MetadataAsync(CancellationToken cancellationToken) =>
        _metadata ??= await _metadataClient.GetForConfiguredIssuerAsync(_options.Issuer!, cancellationToken).ConfigureAwait(false);

    private ClientCredentials Client => new(_options.ClientId ?? throw new OAuthException("No client id is configured; set --oidc-client-id (OIDC_CLIENT_ID)."), _options.ClientSecret);

    private async Task<CachedToken> RefreshAsync(CachedToken cached, string refreshToken, CancellationToken cancellationToken)
    {
        var metadata = await MetadataAsync(cancellationToken).ConfigureAwait(false);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogRefreshStarted(Fingerprint.Of(refreshToken));
        }
        var response = await _tokenClient.RefreshAsync(metadata, Client, refreshToken, _options.Resource, cancellationToken).ConfigureAwait(false);
        var token = ToCached(response, cached.RequestedScopes ?? ScopeList.Join(_scopes));
        if (token.RefreshToken is null)
        {
            // No rotation: the old refresh token stays valid, so keep it (authful-mcp-proxy's "login every hour" bug).
            token = token with { RefreshToken = refreshToken };
        }

        LogRefreshSucceeded(Fingerprint.Of(token.AccessToken), Expiry(token.ExpiresAt));
        return token;
    }

    private async Task<CachedToken> SignInAsync(CancellationToken cancellationToken)
    {
        var metadata = await MetadataAsync(cancellationToken).ConfigureAwait(false);
        if (_options.Flow == AuthFlow.Device)
        {
            return await SignInOnAnotherDeviceAsync(metadata, cancellationToken).ConfigureAwait(false);
        }

        MetadataClient.RequireCodeFlowEndpoints(metadata, _issuerKey);
        var client = Client;
        await using var listener = await LoopbackCallbackListener.StartAsync(_options.RedirectUri, cancellationToken).ConfigureAwait(false);
        var redirectUri = _options.RedirectUri.Port == 0 ? listener.RedirectUri : _options.RedirectUri;
        var pkce = Pkce.Create();
        var state = Pkce.RandomValue();
        var nonce = _scopes.Contains("openid") ? Pkce.RandomValue() : null;
        var url = AuthorizationUrl.Build(metadata.AuthorizationEndpoint!,
        [
            new("response_type", "code"),
            new("client_id", client.ClientId),
            new("redirect_uri", redirectUri.OriginalString),
            new("scope", _scopes.Count == 0 ? null : ScopeList.Join(_scopes)),
            new("state", state),
            new("code_challenge", pkce.Challenge),
            new("code_challenge_method", "S256"),
            new("nonce", nonce),
            new("resource", _options.Resource),
        ]);
        AuthorizationUrl.EnsureSafe(url);

        PendingAuthorizationUrl = url;
        LogSignInStarted(_issuerKey, client.ClientId);
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
            var response = await _tokenClient.RedeemCodeAsync(metadata, client, answer.Code, redirectUri, pkce.Verifier, _options.Resource, cancellationToken).ConfigureAwait(false);
            if (response.IdToken is { } idToken && nonce is not null)
            {
                await _idTokens.ValidateAsync(idToken, metadata, client.ClientId, nonce, cancellationToken).ConfigureAwait(false);
            }

            var token = ToCached(response, ScopeList.Join(_scopes));
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
    private async Task<CachedToken> SignInOnAnotherDeviceAsync(AuthorizationServerMetadata metadata, CancellationToken cancellationToken)
    {
        var client = Client;
        var scope = _scopes.Count == 0 ? null : ScopeList.Join(_scopes);
        var device = await _tokenClient.StartDeviceAuthorizationAsync(metadata, client, scope, _options.Resource, cancellationToken).ConfigureAwait(false);
        if (device.DeviceCode is null || device.UserCode is null || device.VerificationUri is null)
        {
            throw new OAuthException($"The device authorization endpoint of {_issuerKey} answered without device_code, user_code or verification_uri.");
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
                    var response = await _tokenClient.DeviceCodeAsync(metadata, client, device.DeviceCode, _options.Resource, cancellationToken).ConfigureAwait(false);
                    var token = ToCached(response, ScopeList.Join(_scopes));
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

    private CachedToken ToCached(TokenResponse response, string requestedScopes) =>
        CachedToken.From(response, _clock.GetUtcNow()) with
        {
            Issuer = _issuerKey,
            ClientId = _options.ClientId,
            RequestedScopes = requestedScopes,
            Resource = _options.Resource,
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
