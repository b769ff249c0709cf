using McpAuthProxy.DevIdentity.Diagnostics;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.DevIdentity.Server;

internal static partial class DevIdentityEndpoints
{
    [LoggerMessage(EventIds.SignedIn, LogLevel.Information, "User '{UserName}' signed in.")]
    private static partial void LogSignedIn(ILogger logger, string userName);

    [LoggerMessage(EventIds.SignInFailed, LogLevel.Information, "Sign-in failed for user name '{UserName}'.")]
    private static partial void LogSignInFailed(ILogger logger, string userName);

    [LoggerMessage(EventIds.ConsentGiven, LogLevel.Information, "Consent given to client '{ClientId}' for scopes '{Scopes}'.")]
    private static partial void LogConsentGiven(ILogger logger, string clientId, string scopes);

    [LoggerMessage(EventIds.ConsentDenied, LogLevel.Information, "Consent denied to client '{ClientId}'.")]
    private static partial void LogConsentDenied(ILogger logger, string clientId);

    [LoggerMessage(EventIds.DeviceApproved, LogLevel.Information, "Device of client '{ClientId}' approved for scopes '{Scopes}'.")]
    private static partial void LogDeviceApproved(ILogger logger, string clientId, string scopes);
}
