using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace McpAuthProxy.OAuth.Network;

/// <summary>
/// Certificate authorities trusted besides the system's: the PEM files of <c>--ca-cert</c> and <c>SSL_CERT_FILE</c>.
/// A server certificate is accepted when the system trusts it, or when it chains to one of these CAs, is valid now,
/// is for server authentication, and names the host: a wrong name is never forgiven.
/// </summary>
public sealed class TrustedCertificates
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    private TrustedCertificates(X509Certificate2Collection authorities, IReadOnlyList<string> files)
    {
        Authorities = authorities;
        Files = files;
    }

    public X509Certificate2Collection Authorities { get; }

    /// <summary>The files they came from, for messages.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Reads every certificate in each PEM file.</summary>
    /// <exception cref="OAuthException">A file is missing, unreadable, or holds no PEM certificate; one line names it.</exception>
    public static TrustedCertificates Load(IEnumerable<(string Path, string Source)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var authorities = new X509Certificate2Collection();
        var names = new List<string>();
        foreach (var (path, source) in files)
        {
            string pem;
            try
            {
                pem = File.ReadAllText(path);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new OAuthException($"{source} {path}: no such file; give the PEM file of your network's CA certificate.");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new OAuthException($"{source} {path}: cannot be read ({e.Message}).");
            }

            var before = authorities.Count;
            try
            {
                authorities.ImportFromPem(pem);
            }
            catch (CryptographicException e)
            {
                throw new OAuthException($"{source} {path}: not a PEM certificate ({e.Message.TrimEnd('.')}); export the CA certificate as PEM (-----BEGIN CERTIFICATE-----).");
            }

            if (authorities.Count == before)
            {
                throw new OAuthException($"{source} {path}: not a PEM certificate (no -----BEGIN CERTIFICATE----- block); export the CA certificate as PEM.");
            }

            names.Add(path);
        }

        return new TrustedCertificates(authorities, names);
    }

    /// <summary>The TLS check: the system's verdict first, then a chain to these CAs where only the chain failed.</summary>
    public bool Validate(X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        // A name mismatch or no certificate at all is never forgiven by a private CA.
        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors || Authorities.Count == 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(Authorities);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        if (chain is not null)
        {
            // The intermediates the server sent.
            custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
        }

        return custom.Build(certificate);
    }
}
