using McpAuthProxy.DevIdentity.Diagnostics;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.DevIdentity;

public sealed partial class DevIdentityServer
{
    [LoggerMessage(EventIds.Started, LogLevel.Information, "Development identity provider listening; issuer {Issuer}.")]
    private partial void LogStarted(Uri issuer);

    [LoggerMessage(EventIds.Stopped, LogLevel.Information, "Development identity provider {Issuer} stopped.")]
    private partial void LogStopped(Uri issuer);

    [LoggerMessage(EventIds.TokensRevoked, LogLevel.Information, "Revoked the grants of user '{UserName}' ({Count} tokens).")]
    private partial void LogTokensRevoked(string userName, long count);
}
