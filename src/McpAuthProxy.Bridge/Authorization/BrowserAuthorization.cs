using System.Web;
using McpAuthProxy.OAuth;
using McpAuthProxy.OAuth.Authorization;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Authentication;

namespace McpAuthProxy.Bridge.Authorization;

/// <summary>
/// The SDK's authorization step done as a person expects: the loopback listener on the redirect URI, the browser
/// opened without a shell, the URL printed to stderr too. The SDK checks <c>state</c> and RFC 9207 <c>iss</c>.
/// </summary>
internal sealed partial class BrowserAuthorization(Action<string> notify, TimeSpan loginTimeout, bool omitResource, ILogger<BrowserAuthorization> logger)
{
    public async Task<AuthorizationResult?> HandleAsync(AuthorizationCallbackContext context, CancellationToken cancellationToken)
    {
        var url = omitResource ? ResourceParameterFilter.Without(context.AuthorizationUri) : context.AuthorizationUri;
        AuthorizationUrl.EnsureSafe(url);
        var state = HttpUtility.ParseQueryString(url.Query)["state"]
            ?? throw new OAuthException("The authorization request carries no state; refusing to sign in without it.");

        await using var listener = await LoopbackCallbackListener.StartAsync(context.RedirectUri, cancellationToken).ConfigureAwait(false);
        notify($"Sign in to continue. If your browser does not open, open this URL: {url.AbsoluteUri}");
        if (!BrowserLauncher.TryOpen(url, out var failure))
        {
            LogBrowserFailed(failure ?? "unknown");
        }

        var answer = await listener.WaitAsync(new ExpectedCallback(state, Issuer: null, IssuerRequired: false), loginTimeout, cancellationToken).ConfigureAwait(false);
        LogSignedIn();
        return new AuthorizationResult { Code = answer.Code, State = state, Iss = answer.Issuer };
    }

    [LoggerMessage(Diagnostics.EventIds.BrowserFailed, LogLevel.Warning, "Could not open a browser ({Reason}); open the URL above by hand.")]
    private partial void LogBrowserFailed(string reason);

    [LoggerMessage(Diagnostics.EventIds.AuthorizationAnswered, LogLevel.Information, "The browser sign-in answered; redeeming the code.")]
    private partial void LogSignedIn();
}
