using System.Security.Cryptography;
using System.Text;

namespace McpAuthProxy.OAuth.Authorization;

/// <summary>RFC 7636 proof key: a 64-character verifier and its S256 challenge; also random state and nonce values.</summary>
public sealed record Pkce(string Verifier, string Challenge)
{
    public static Pkce Create()
    {
        var verifier = RandomValue(48);
        return new Pkce(verifier, ChallengeOf(verifier));
    }

    /// <summary>The S256 challenge of <paramref name="verifier"/>: base64url(SHA-256(ASCII(verifier))).</summary>
    public static string ChallengeOf(string verifier) => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    /// <summary>A base64url string of <paramref name="bytes"/> random bytes, for <c>state</c> and <c>nonce</c>.</summary>
    public static string RandomValue(int bytes = 32) => Base64Url(RandomNumberGenerator.GetBytes(bytes));

    public static string Base64Url(ReadOnlySpan<byte> data) =>
        Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
