using System.Security.Cryptography.X509Certificates;

namespace McpAuthProxy.Testing;

/// <summary>
/// A private CA made with the openssl command line, as a corporate network's would be: a self-signed root
/// (P-256, CA:TRUE) and server certificates it signs for the names a test asks for. Files live in a temporary folder,
/// removed on dispose.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly string _folder;
    private int _issued;

    private TestCertificateAuthority(string folder) => _folder = folder;

    /// <summary>The CA's certificate (PEM): what a user passes with --ca-cert.</summary>
    public string CertificatePath => Path.Combine(_folder, "ca.pem");

    private string KeyPath => Path.Combine(_folder, "ca.key");

    public static async Task<TestCertificateAuthority> CreateAsync(string commonName, CancellationToken cancellationToken)
    {
        var ca = new TestCertificateAuthority(Directory.CreateTempSubdirectory("mcp-ca-").FullName);
        await OpenSslAsync(cancellationToken, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", ca.KeyPath, "-out", ca.CertificatePath, "-days", "2", "-subj", "/CN=" + commonName,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return ca;
    }

    /// <summary>A server certificate with its key, for names such as <c>IP:127.0.0.1</c> and <c>DNS:localhost</c>.</summary>
    public async Task<X509Certificate2> IssueServerCertificateAsync(CancellationToken cancellationToken, params string[] subjectAltNames)
    {
        var name = "server" + Interlocked.Increment(ref _issued);
        var key = Path.Combine(_folder, name + ".key");
        var request = Path.Combine(_folder, name + ".csr");
        var certificate = Path.Combine(_folder, name + ".pem");
        var extensions = Path.Combine(_folder, name + ".ext");
        await File.WriteAllTextAsync(extensions, $"""
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth
            subjectAltName={string.Join(',', subjectAltNames)}
            """, cancellationToken);
        await OpenSslAsync(cancellationToken, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", request, "-subj", "/CN=" + name);
        await OpenSslAsync(cancellationToken, "x509", "-req", "-in", request, "-CA", CertificatePath, "-CAkey", KeyPath, "-CAcreateserial",
            "-out", certificate, "-days", "2", "-extfile", extensions);
        return X509Certificate2.CreateFromPemFile(certificate, key);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task OpenSslAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        await using var openssl = ChildProcess.Start("openssl", arguments);
        openssl.StandardInput.Close();
        if (await openssl.WaitForExitAsync(cancellationToken) != 0)
        {
            throw new InvalidOperationException($"openssl {arguments[0]} failed: {openssl.Stderr}");
        }
    }
}
