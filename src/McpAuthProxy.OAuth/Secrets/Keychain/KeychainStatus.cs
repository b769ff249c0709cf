namespace McpAuthProxy.OAuth.Secrets.Keychain;

/// <summary>The Security framework's OSStatus codes the Keychain store acts on, and what each means to a user.</summary>
internal static class KeychainStatus
{
    public const int Success = 0;
    public const int UserCanceled = -128;
    public const int AuthFailed = -25293;
    public const int NoSuchKeychain = -25294;
    public const int DuplicateItem = -25299;
    public const int ItemNotFound = -25300;
    public const int NoDefaultKeychain = -25307;
    public const int InteractionNotAllowed = -25308;
    public const int MissingEntitlement = -34018;

    /// <summary>Whether a store that answered <paramref name="status"/> to a harmless query can be used.</summary>
    public static bool MeansUsable(int status) => status is Success or ItemNotFound;

    /// <summary>One line for <paramref name="status"/>, with what to do; <paramref name="message"/> is the system's own text.</summary>
    public static string Describe(int status, string? message) => status switch
    {
        InteractionNotAllowed => "The macOS login keychain is locked and cannot ask for its password here (an SSH session?); unlock it with `security unlock-keychain`.",
        NoDefaultKeychain or NoSuchKeychain => "macOS has no default keychain for this user; create or choose one in Keychain Access.",
        UserCanceled or AuthFailed => "The macOS Keychain access was refused; allow mcp-auth-proxy when macOS asks.",
        MissingEntitlement => "The macOS Keychain refused this program (missing entitlement).",
        _ => $"The macOS Keychain answered {status}{(string.IsNullOrWhiteSpace(message) ? "" : ": " + message.Trim().TrimEnd('.'))}.",
    };
}
