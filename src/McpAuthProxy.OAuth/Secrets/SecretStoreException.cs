namespace McpAuthProxy.OAuth.Secrets;

/// <summary>
/// An OS secret store failed or cannot be used. <see cref="Exception.Message"/> is one line that names the store, the
/// problem and the fix; it never holds a secret.
/// </summary>
public sealed class SecretStoreException : Exception
{
    public SecretStoreException(string message) : base(message) { }

    public SecretStoreException(string message, Exception inner) : base(message, inner) { }
}
