namespace McpAuthProxy.OAuth;

/// <summary>A request gave up waiting for a sign-in that is still in progress in the browser.</summary>
public sealed class SignInPendingException(Uri? authorizationUrl)
    : Exception(authorizationUrl is null
        ? "Sign-in is still in progress; finish it in your browser, then try again."
        : $"Sign-in is still in progress; finish signing in in your browser (if no browser window opened, open {authorizationUrl.AbsoluteUri}), then try again.")
{
    public Uri? AuthorizationUrl { get; } = authorizationUrl;
}
