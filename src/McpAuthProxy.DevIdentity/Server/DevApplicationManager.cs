using McpAuthProxy.DevIdentity.Stores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace McpAuthProxy.DevIdentity.Server;

/// <summary>
/// OpenIddict's application manager with loopback redirect rules for native clients: a loopback URI matches a
/// registered loopback URI on any port (RFC 8252 section 7.3), and a client flagged "any loopback" (the bridge)
/// accepts every http loopback URI.
/// </summary>
internal sealed class DevApplicationManager(
    IOpenIddictApplicationCache<DevApplication> cache,
    ILogger<OpenIddictApplicationManager<DevApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<DevApplication> store)
    : OpenIddictApplicationManager<DevApplication>(cache, logger, options, store)
{
    public const string AnyLoopbackProperty = "dev_any_loopback_redirect";

    public override async ValueTask<bool> ValidateRedirectUriAsync(DevApplication application, string uri, CancellationToken cancellationToken = default)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var requested) || !LoopbackRedirects.IsHttpLoopback(requested))
        {
            return await base.ValidateRedirectUriAsync(application, uri, cancellationToken).ConfigureAwait(false);
        }

        if (application.Properties.ContainsKey(AnyLoopbackProperty))
        {
            return true;
        }

        foreach (var candidate in application.RedirectUris)
        {
            if (Uri.TryCreate(candidate, UriKind.Absolute, out var registered) && LoopbackRedirects.SameIgnoringPort(requested, registered))
            {
                return true;
            }
        }

        return await base.ValidateRedirectUriAsync(application, uri, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Rules for loopback redirect URIs.</summary>
internal static class LoopbackRedirects
{
    public static bool IsHttpLoopback(Uri uri) =>
        string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase) && uri.IsLoopback && string.IsNullOrEmpty(uri.Fragment);

    public static bool SameIgnoringPort(Uri requested, Uri registered) =>
        IsHttpLoopback(registered) &&
        string.Equals(requested.Host, registered.Host, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(requested.AbsolutePath, registered.AbsolutePath, StringComparison.Ordinal) &&
        string.Equals(requested.Query, registered.Query, StringComparison.Ordinal) &&
        string.Equals(requested.UserInfo, registered.UserInfo, StringComparison.Ordinal);
}
