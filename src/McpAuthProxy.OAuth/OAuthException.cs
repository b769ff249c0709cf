namespace McpAuthProxy.OAuth;

/// <summary>
/// A failure the user can act on. <see cref="Exception.Message"/> is one line that names the problem and the fix;
/// it never holds a token, code, verifier or secret.
/// </summary>
public sealed class OAuthException : Exception
{
    public OAuthException(string message) : base(message) { }

    public OAuthException(string message, Exception inner) : base(message, inner) { }

    public OAuthException(string message, string? error) : base(message) => Error = error;

    /// <summary>The OAuth <c>error</c> code where the authorization server sent one.</summary>
    public string? Error { get; }
}
