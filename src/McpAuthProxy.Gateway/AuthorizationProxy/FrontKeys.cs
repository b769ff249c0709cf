using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>
/// The front's secrets: one master key (configured, or random per start) from which HKDF derives a MAC key for what the
/// gateway signs (client ids, consent cookies, CSRF tokens) and an AES-GCM key for what it seals (wrapped refresh tokens).
/// Every use names a purpose, so a value made for one use never verifies for another.
/// </summary>
internal sealed class FrontKeys
{
    private readonly byte[] _macKey;
    private readonly byte[] _sealKey;

    public FrontKeys(byte[]? masterKey)
    {
        IsEphemeral = masterKey is null;
        var master = masterKey ?? RandomNumberGenerator.GetBytes(32);
        _macKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: "mcp-auth-proxy front mac"u8.ToArray());
        _sealKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: "mcp-auth-proxy front seal"u8.ToArray());
    }

    /// <summary>True when no key was configured: registrations and consents end with the process.</summary>
    public bool IsEphemeral { get; }

    /// <summary>A random, URL-safe value with 256 bits of entropy (state, codes, transaction ids).</summary>
    public static string NewHandle() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary><c>base64url(payload).base64url(mac)</c>, readable but not forgeable.</summary>
    public string Sign(string purpose, ReadOnlySpan<byte> payload) =>
        Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(Mac(purpose, payload));

    /// <summary>The payload of a value made by <see cref="Sign"/> for this purpose, or null.</summary>
    public byte[]? Verify(string purpose, string? token)
    {
        var dot = token?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (token is null || dot <= 0 || token.Length > 8192)
        {
            return null;
        }

        try
        {
            var payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            var mac = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
            return CryptographicOperations.FixedTimeEquals(mac, Mac(purpose, payload)) ? payload : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>An HMAC of <paramref name="value"/> for this purpose, as base64url (binding one value to another).</summary>
    public string Tag(string purpose, string value) => Base64Url.EncodeToString(Mac(purpose, Encoding.UTF8.GetBytes(value)));

    public bool TagMatches(string purpose, string value, string? tag) =>
        tag is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Tag(purpose, value)), Encoding.ASCII.GetBytes(tag));

    /// <summary>Encrypts and authenticates <paramref name="plaintext"/>; only this gateway (same key) can open it.</summary>
    public string Seal(string purpose, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[12 + 16 + plaintext.Length];
        var nonce = output.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_sealKey, 16);
        aes.Encrypt(nonce, plaintext, output.AsSpan(28), output.AsSpan(12, 16), Encoding.UTF8.GetBytes(purpose));
        return Base64Url.EncodeToString(output);
    }

    public byte[]? Open(string purpose, string? sealedValue)
    {
        if (sealedValue is null || sealedValue.Length is < 38 or > 16384)
        {
            return null;
        }

        try
        {
            var input = Base64Url.DecodeFromChars(sealedValue);
            if (input.Length < 28)
            {
                return null;
            }

            var plaintext = new byte[input.Length - 28];
            using var aes = new AesGcm(_sealKey, 16);
            aes.Decrypt(input.AsSpan(0, 12), input.AsSpan(28), input.AsSpan(12, 16), plaintext, Encoding.UTF8.GetBytes(purpose));
            return plaintext;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return null;
        }
    }

    private byte[] Mac(string purpose, ReadOnlySpan<byte> payload)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _macKey);
        hmac.AppendData(Encoding.UTF8.GetBytes(purpose));
        hmac.AppendData([0]);
        hmac.AppendData(payload);
        return hmac.GetHashAndReset();
    }
}
