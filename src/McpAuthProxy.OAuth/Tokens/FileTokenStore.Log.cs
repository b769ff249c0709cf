using McpAuthProxy.OAuth.Diagnostics;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.OAuth.Tokens;

public sealed partial class FileTokenStore
{
    [LoggerMessage(EventIds.TokenCacheCorrupt, LogLevel.Warning, "The token cache file {Path} could not be read; it was moved to {Aside} and you will be asked to sign in again.")]
    private partial void LogCorrupt(string path, string aside);

    [LoggerMessage(EventIds.TokenStored, LogLevel.Debug, "Tokens written to {Path}.")]
    private partial void LogStored(string path);

    [LoggerMessage(EventIds.TokenCacheLegacy, LogLevel.Debug, "Token cache for issuer {Issuer} is in the legacy format (no absolute expiry); its expiry is treated as unknown.")]
    private partial void LogLegacy(string issuer);

    [LoggerMessage(EventIds.WaitingForLock, LogLevel.Information, "Another mcp-auth-proxy is signing in or refreshing ({Path}); waiting for it.")]
    private partial void LogWaitingForLock(string path);
}
