using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.DevIdentity.Server;

/// <summary>
/// Keys that live only in memory. Generating an RSA key costs about half a second, so one signing key is made
/// per process, on first use, and shared by the servers it starts (each still has its own issuer).
/// </summary>
internal static class EphemeralKeys
{
    private static readonly Lazy<RsaSecurityKey> SigningKey = new(() =>
    {
        var rsa = RSA.Create(2048);
        return new RsaSecurityKey(rsa) { KeyId = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(12)) };
    });

    public static RsaSecurityKey Signing => SigningKey.Value;

    public static SymmetricSecurityKey NewEncryptionKey() => new(RandomNumberGenerator.GetBytes(32));
}
