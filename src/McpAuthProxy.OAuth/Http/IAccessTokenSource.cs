using McpAuthProxy.OAuth.Discovery;

namespace McpAuthProxy.OAuth.Http;

/// <summary>Where <see cref="BearerTokenHandler"/> gets its tokens: the browser sign-in, or client credentials.</summary>
public interface IAccessTokenSource
{
    /// <summary>A token to send, or null to send the first request without one (to learn from its challenge).</summary>
    ValueTask<string?> GetAccessTokenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A token other than <paramref name="rejected"/>, after the server refused it with <paramref name="challenge"/>
    /// (a 401, or a 403 <c>insufficient_scope</c> naming more scopes).
    /// </summary>
    Task<string> RenewAsync(string? rejected, BearerChallenge? challenge, CancellationToken cancellationToken);
}
