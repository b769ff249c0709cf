using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

internal sealed partial class FrontEndpoints
{
    [LoggerMessage(Diagnostics.EventIds.FrontConsentLimited, LogLevel.Warning, "Refused /authorize from {Address}: too many pending sign-ins from this address (authorization_proxy.consent_rate_limit).")]
    private partial void LogConsentLimited(string address);

    [LoggerMessage(Diagnostics.EventIds.FrontErrorNotRedirected, LogLevel.Information, "Showed /authorize's {Error} as a page instead of redirecting to a redirect URI that is not loopback (no open redirect).")]
    private partial void LogErrorNotRedirected(string error);

    [LoggerMessage(Diagnostics.EventIds.FrontRequestRefused, LogLevel.Warning, "Refused {Path}: {Reason}")]
    private partial void LogRefused(string path, string reason);

    [LoggerMessage(Diagnostics.EventIds.FrontConsentGiven, LogLevel.Information, "Consent for MCP client {Client}: {Decision}.")]
    private partial void LogConsent(string client, string decision);

    [LoggerMessage(Diagnostics.EventIds.FrontSignedIn, LogLevel.Information, "Signed in a user for MCP client {Client}.")]
    private partial void LogSignedIn(string client);

    [LoggerMessage(Diagnostics.EventIds.FrontEphemeralKey, LogLevel.Warning,
        "authorization_proxy.key_env is not set: client registrations and consents last only until the gateway stops.")]
    private partial void LogEphemeralKey();
}
