using System.Security.Cryptography;
using System.Text;

namespace McpAuthProxy.OAuth.Diagnostics;

/// <summary>A short, non-reversible handle for a secret so logs can correlate without revealing it.</summary>
public static class Fingerprint
{
    /// <summary>First 8 hex digits of the SHA-256 of <paramref name="secret"/>, or "-" when there is none.</summary>
    public static string Of(string? secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return "-";
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), hash);
        return Convert.ToHexStringLower(hash[..4]);
    }
}
