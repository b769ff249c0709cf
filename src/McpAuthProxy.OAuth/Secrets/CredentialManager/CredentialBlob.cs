namespace McpAuthProxy.OAuth.Secrets.CredentialManager;

/// <summary>
/// How a secret of any size fits Windows credentials, whose blob holds at most 2560 bytes
/// (CRED_MAX_CREDENTIAL_BLOB_SIZE): the first credential, target <c>service/account</c>, holds a one-byte part count
/// and the first 2559 bytes; parts 1..n-1 live at <c>service.part{i}/account</c>, which a listing of
/// <c>service/*</c> never matches. A token set of a few kilobytes takes two or three parts.
/// </summary>
internal static class CredentialBlob
{
    /// <summary>CRED_MAX_CREDENTIAL_BLOB_SIZE: 5 * 512 bytes.</summary>
    public const int MaxBlobSize = 2560;

    /// <summary>The most parts one secret may take (the count is one byte): about 650 KB.</summary>
    public const int MaxParts = 255;

    /// <summary>CRED_MAX_USERNAME_LENGTH: longer accounts are stored without a user name (the target still holds them).</summary>
    public const int MaxUserNameLength = 513;

    /// <summary>The largest secret that fits in <see cref="MaxParts"/> parts.</summary>
    public const int MaxSecretSize = MaxParts * MaxBlobSize - 1;

    public static string Target(SecretKey key)
    {
        ValidateService(key.Service);
        return $"{key.Service}/{key.Account}";
    }

    public static string PartTarget(SecretKey key, int index) => $"{key.Service}.part{index}/{key.Account}";

    /// <summary>The filter that lists every account of <paramref name="service"/>, and the prefix to cut from a target.</summary>
    public static string Filter(string service)
    {
        ValidateService(service);
        return service + "/*";
    }

    public static string AccountOf(string service, string target) => target[(service.Length + 1)..];

    /// <summary>The blobs for <paramref name="secret"/>: the first holds the part count.</summary>
    public static IReadOnlyList<byte[]> Split(ReadOnlySpan<byte> secret)
    {
        if (secret.Length > MaxSecretSize)
        {
            throw new SecretStoreException($"A secret of {secret.Length} bytes is larger than the Windows Credential Manager can hold ({MaxSecretSize} bytes in {MaxParts} credentials).");
        }

        var count = Math.Max(1, (secret.Length + 1 + MaxBlobSize - 1) / MaxBlobSize);
        var parts = new List<byte[]>(count);
        var first = new byte[Math.Min(MaxBlobSize, secret.Length + 1)];
        first[0] = (byte)count;
        secret[..(first.Length - 1)].CopyTo(first.AsSpan(1));
        parts.Add(first);
        for (var offset = first.Length - 1; offset < secret.Length; offset += MaxBlobSize)
        {
            parts.Add(secret[offset..Math.Min(secret.Length, offset + MaxBlobSize)].ToArray());
        }

        return parts;
    }

    /// <summary>How many parts the secret whose first blob is <paramref name="first"/> has.</summary>
    public static int PartCount(ReadOnlySpan<byte> first) =>
        first.Length > 0 && first[0] > 0 ? first[0] : throw new SecretStoreException("A Windows credential of mcp-auth-proxy has no part count; delete it (logout) and sign in again.");

    /// <summary>The secret from its first blob and the rest, in order.</summary>
    public static byte[] Join(ReadOnlySpan<byte> first, IReadOnlyList<byte[]> rest)
    {
        var result = new byte[first.Length - 1 + rest.Sum(part => part.Length)];
        first[1..].CopyTo(result);
        var offset = first.Length - 1;
        foreach (var part in rest)
        {
            part.CopyTo(result, offset);
            offset += part.Length;
        }

        return result;
    }

    private static void ValidateService(string service)
    {
        if (service.Contains('/', StringComparison.Ordinal) || service.Contains('*', StringComparison.Ordinal))
        {
            throw new ArgumentException($"A service name may not hold '/' or '*': '{service}'.", nameof(service));
        }
    }
}
