using McpAuthProxy.Gateway.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace McpAuthProxy.Gateway.Authentication;

/// <summary>
/// The issuer's signing keys, fetched through <see cref="IssuerConfigurationRetriever"/>: at start (when the issuer cannot be
/// reached, one warning names it and the fix, and the fetch is retried with backoff until it succeeds), every hour, and at
/// once when a token names a key the current set lacks (rotation): one fetch for all the requests that wait on it
/// (single-flight), at most once per <c>jwks_refresh_seconds</c>, and the token is judged on its result. A failed
/// refetch keeps the keys the gateway has; a key the issuer stops publishing is refused from the next successful fetch on.
/// Each fetched set is a new object, which <see cref="BearerAuthenticator"/> uses as the stamp of its remembered results.
/// </summary>
internal sealed partial class IssuerKeys : IHostedService, IDisposable
{
    private static readonly TimeSpan Hourly = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly GatewaySettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger<IssuerKeys> _logger;
    private readonly HttpClient _backchannel;
    private readonly IDocumentRetriever _documents;
    private readonly IssuerConfigurationRetriever _retriever;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private OpenIdConnectConfiguration? _current;
    private Task<OpenIdConnectConfiguration?>? _fetching;
    private long _lastOnDemand = long.MinValue;
    private Task _loop = Task.CompletedTask;
    private bool _reportedDown;

    public IssuerKeys(GatewaySettings settings, ILogger<IssuerKeys> logger)
    {
        _settings = settings;
        _time = TimeProvider.System;
        _logger = logger;
        _backchannel = new HttpClient { Timeout = TimeSpan.FromSeconds(10), MaxResponseContentBufferSize = 1 << 20 };
        _backchannel.DefaultRequestHeaders.UserAgent.ParseAdd("mcp-auth-proxy-gateway");
        _documents = new HttpDocumentRetriever(_backchannel) { RequireHttps = settings.RequireHttpsMetadata };
        _retriever = new IssuerConfigurationRetriever(settings.Issuer, settings.JwksUri);
    }

    /// <summary>The keys of the last successful fetch; null until one succeeded.</summary>
    public OpenIdConnectConfiguration? Current => Volatile.Read(ref _current);

    /// <summary>Where the keys come from: the configured <c>jwks_uri</c>, or the issuer's discovery document.</summary>
    public string Source => _settings.JwksUri ?? _settings.Issuer;

    /// <summary>How many fetches were started (tests, diagnostics).</summary>
    public int Fetches => Volatile.Read(ref _fetches);

    private int _fetches;

    /// <summary>The current keys; while there are none, waits for a fetch in flight (the first one at start), else null.</summary>
    public async Task<OpenIdConnectConfiguration?> GetAsync(CancellationToken cancellationToken)
    {
        if (Current is { } current)
        {
            return current;
        }

        Task<OpenIdConnectConfiguration?>? fetching;
        lock (_gate)
        {
            fetching = _fetching;
        }

        return fetching is null ? null : await fetching.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A token names <paramref name="keyId"/>, which the current keys lack: fetch the keys again now, unless a fetch is in
    /// flight (then wait for it) or the last one for this reason was less than <c>jwks_refresh_seconds</c> ago. True when
    /// the keys now hold that key.
    /// </summary>
    public async Task<bool> RefreshForUnknownKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        Task<OpenIdConnectConfiguration?>? fetching;
        lock (_gate)
        {
            fetching = _fetching;
            if (fetching is null)
            {
                if (_lastOnDemand != long.MinValue && _time.GetElapsedTime(_lastOnDemand) < _settings.JwksRefreshInterval)
                {
                    return false;
                }

                _lastOnDemand = _time.GetTimestamp();
                fetching = StartFetchLocked();
            }
        }

        var keys = await fetching.WaitAsync(cancellationToken).ConfigureAwait(false);
        return keys is not null && Holds(keys, keyId);
    }

    public static bool Holds(OpenIdConnectConfiguration keys, string keyId) =>
        keys.SigningKeys.Any(k => string.Equals(k.KeyId, keyId, StringComparison.Ordinal))
        || keys.JsonWebKeySet?.Keys.Any(k => string.Equals(k.Kid, keyId, StringComparison.Ordinal) || string.Equals(k.X5t, keyId, StringComparison.Ordinal)) == true;

    private Task<OpenIdConnectConfiguration?> StartFetchLocked()
    {
        var task = FetchAsync();
        _fetching = task;
        return task;
    }

    private async Task<OpenIdConnectConfiguration?> FetchAsync()
    {
        Interlocked.Increment(ref _fetches);
        await Task.Yield();
        try
        {
            var keys = await _retriever.GetConfigurationAsync(Source, _documents, _stopping.Token).ConfigureAwait(false);
            Volatile.Write(ref _current, keys);
            if (_reportedDown)
            {
                _reportedDown = false;
                LogIssuerReached(Source, keys.SigningKeys.Count);
            }

            return keys;
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
            // Stopping (a gateway that could not start, or shuts down): a fetch cut short is no outage to report.
            return null;
        }
        catch (Exception ex)
        {
            if (Current is null && !_reportedDown)
            {
                // One line, once per outage: the issuer, why, and what to check. Retries go on quietly.
                _reportedDown = true;
                LogIssuerUnreachable(Source, Reason(ex), "check that the issuer is up and reachable from this machine, or correct token_validation.issuer / protected_resource_metadata.authorization_servers (or jwks_uri)");
            }
            else
            {
                LogRefreshFailed(Source, Reason(ex));
            }

            return null;
        }
        finally
        {
            lock (_gate)
            {
                _fetching = null;
            }
        }
    }

    private static string Reason(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null && inner is InvalidOperationException or IOException or HttpRequestException)
        {
            inner = inner.InnerException;
        }

        return inner == ex ? ex.Message : $"{ex.Message} {inner.Message}";
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            StartFetchLocked();
        }

        _loop = RefreshLoopAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <summary>Until the first fetch succeeds, retries with backoff (1 s doubling to 30 s); then refetches every hour.</summary>
    private async Task RefreshLoopAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Task<OpenIdConnectConfiguration?>? fetching;
                lock (_gate)
                {
                    fetching = _fetching;
                }

                if (fetching is not null)
                {
                    await fetching.ConfigureAwait(false);
                }

                var wait = Current is null ? delay : Hourly;
                delay = Current is null ? TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks)) : TimeSpan.FromSeconds(1);
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                lock (_gate)
                {
                    if (_fetching is null)
                    {
                        StartFetchLocked();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose()
    {
        // Registered as a singleton and as a hosted service: disposed twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        _stopping.Dispose();
        _backchannel.Dispose();
    }

    private int _disposed;

    [LoggerMessage(Diagnostics.EventIds.IssuerUnreachable, LogLevel.Warning,
        "Cannot fetch the token signing keys from {Source}: {Reason}. Until it can, requests with a token get 503; {Fix}. Retrying in the background.")]
    private partial void LogIssuerUnreachable(string source, string reason, string fix);

    [LoggerMessage(Diagnostics.EventIds.IssuerReached, LogLevel.Information, "Fetched the token signing keys from {Source} ({Count} keys); tokens are checked again.")]
    private partial void LogIssuerReached(string source, int count);

    [LoggerMessage(Diagnostics.EventIds.IssuerKeysRefreshFailed, LogLevel.Warning, "Fetching the token signing keys from {Source} again failed ({Reason}); the current keys stay in use.")]
    private partial void LogRefreshFailed(string source, string reason);
}
