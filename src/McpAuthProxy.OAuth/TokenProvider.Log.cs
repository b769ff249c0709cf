using McpAuthProxy.OAuth.Diagnostics;
using McpAuthProxy.OAuth.Tokens;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.OAuth;

public sealed partial class TokenProvider
{
    [LoggerMessage(EventIds.TokenFromCache, LogLevel.Debug, "Using cached access token {Fingerprint} (expires {ExpiresAt}).")]
    private partial void LogFromCache(string fingerprint, string expiresAt);

    /// <summary>
    /// The fingerprint only when Debug is on: it is a SHA-256, whose first use loads OpenSSL (libcrypto, about 4 MB of
    /// resident memory and a few ms), which a bridge starting on a cached token over http needs for nothing else.
    /// </summary>
    private void LogFromCacheIfEnabled(CachedToken cached)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogFromCache(Fingerprint.Of(cached.AccessToken), Expiry(cached.ExpiresAt));
        }
    }

    [LoggerMessage(EventIds.TokenCacheMismatch, LogLevel.Information, "The cached token was issued to client '{ClientId}' for scopes '{Scopes}', not what is configured now; signing in again.")]
    private partial void LogCacheMismatch(string clientId, string scopes);

    [LoggerMessage(EventIds.RefreshStarted, LogLevel.Debug, "Refreshing the access token with refresh token {Fingerprint}.")]
    private partial void LogRefreshStarted(string fingerprint);

    [LoggerMessage(EventIds.RefreshSucceeded, LogLevel.Information, "Access token refreshed: {Fingerprint}, expires {ExpiresAt}.")]
    private partial void LogRefreshSucceeded(string fingerprint, string expiresAt);

    [LoggerMessage(EventIds.RefreshFailed, LogLevel.Warning, "Token refresh failed, signing in again: {Reason}")]
    private partial void LogRefreshFailed(string reason);

    [LoggerMessage(EventIds.LoginStarted, LogLevel.Information, "Signing in at {Issuer} as client '{ClientId}'.")]
    private partial void LogSignInStarted(string issuer, string clientId);

    [LoggerMessage(EventIds.BrowserLaunchFailed, LogLevel.Warning, "Could not open a browser ({Reason}); open the URL above by hand.")]
    private partial void LogBrowserFailed(string reason);

    [LoggerMessage(EventIds.LoginSucceeded, LogLevel.Information, "Signed in: access token {Fingerprint}, expires {ExpiresAt}, refresh token: {HasRefreshToken}.")]
    private partial void LogSignedIn(string fingerprint, string expiresAt, string hasRefreshToken);

    [LoggerMessage(EventIds.StepUp, LogLevel.Information, "The server needs more scopes; signing in again for '{Scopes}'.")]
    private partial void LogStepUp(string scopes);

    [LoggerMessage(EventIds.AuthorizationServerMoved, LogLevel.Information, "The MCP server now names authorization server {Now}, not {Before}; signing in there.")]
    private partial void LogMovedServer(string before, string now);

    [LoggerMessage(EventIds.LoginFailed, LogLevel.Error, "Sign-in failed: {Reason}")]
    private partial void LogSignInFailed(string reason);
}
