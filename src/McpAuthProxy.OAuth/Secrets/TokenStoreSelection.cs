namespace McpAuthProxy.OAuth.Secrets;

/// <summary>
/// <c>--token-store auto|keychain|file</c> (env <c>MCP_PROXY_TOKEN_STORE</c>): the parse and the choice, as pure
/// functions. The caller asks the OS store whether it is usable (<see cref="ISecretStore.CheckAsync"/>) only when the
/// choice can depend on it, so <c>file</c> never touches D-Bus, the Keychain or the Credential Manager.
/// </summary>
public static class TokenStoreSelection
{
    /// <summary>Reads <paramref name="text"/> (any case; null or empty means <see cref="TokenStoreKind.Auto"/>).</summary>
    public static bool TryParse(string? text, out TokenStoreKind kind, out string? error)
    {
        error = null;
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "auto":
                kind = TokenStoreKind.Auto;
                return true;
            case "keychain":
                kind = TokenStoreKind.Keychain;
                return true;
            case "file":
                kind = TokenStoreKind.File;
                return true;
            default:
                kind = TokenStoreKind.Auto;
                error = $"--token-store '{text}' is not a token store; write auto (the OS credential store where usable, else files), keychain or file.";
                return false;
        }
    }

    /// <summary>Whether choosing for <paramref name="requested"/> needs to know if the OS store is usable.</summary>
    public static bool NeedsOsStore(TokenStoreKind requested) => requested != TokenStoreKind.File;

    /// <summary>
    /// The store to use. <paramref name="osStoreName"/> is null where this OS has no store we support;
    /// <paramref name="availability"/> is what its <see cref="ISecretStore.CheckAsync"/> answered.
    /// </summary>
    public static TokenStoreDecision Decide(TokenStoreKind requested, string? osStoreName, SecretStoreAvailability? availability)
    {
        if (requested == TokenStoreKind.File)
        {
            return TokenStoreDecision.Files;
        }

        if (osStoreName is null || availability is null)
        {
            const string none = "this operating system has no credential store that mcp-auth-proxy supports";
            return requested == TokenStoreKind.Keychain
                ? TokenStoreDecision.Fail($"--token-store keychain: {none}; use --token-store file.")
                : TokenStoreDecision.FilesBecause($"Tokens are kept in files (0600): {none}.");
        }

        if (availability.IsUsable)
        {
            return TokenStoreDecision.OsStore;
        }

        return requested == TokenStoreKind.Keychain
            ? TokenStoreDecision.Fail($"--token-store keychain: the {osStoreName} cannot be used: {availability.Reason} Or use --token-store file.")
            : TokenStoreDecision.FilesBecause($"Tokens are kept in files (0600) because the {osStoreName} cannot be used: {availability.Reason}");
    }
}
