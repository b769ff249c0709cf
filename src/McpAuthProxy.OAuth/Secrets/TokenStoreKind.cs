namespace McpAuthProxy.OAuth.Secrets;

/// <summary>Where tokens are kept: <c>--token-store auto|keychain|file</c>.</summary>
public enum TokenStoreKind
{
    /// <summary>The OS credential store where one is usable, else files.</summary>
    Auto,

    /// <summary>The OS credential store (Keychain, Credential Manager, Secret Service), or fail.</summary>
    Keychain,

    /// <summary>Files under the token folder, 0600, as authful-mcp-proxy keeps them.</summary>
    File,
}
