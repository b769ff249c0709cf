using System.Net;
using System.Security.Cryptography.X509Certificates;
using McpAuthProxy.OAuth.Network;
using McpAuthProxy.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.OAuth.Tests.Network;

/// <summary>
/// The outbound handler against real parts: Kestrel on 127.0.0.1 with a certificate from a CA that openssl made, and
/// Debian's tinyproxy as the corporate forward proxy, whose log shows which requests went through it.
/// </summary>
public sealed class CorporateNetworkTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TestCertificateAuthority _ca = null!;
    private Tinyproxy _proxy = null!;
    private WebApplication _https = null!;
    private Uri _httpsUrl = null!;
    private readonly List<WebApplication> _others = [];

    public async ValueTask InitializeAsync()
    {
        _ca = await TestCertificateAuthority.CreateAsync("Corp Test Root CA", Ct);
        _proxy = await Tinyproxy.StartAsync(Ct);
        (_https, _httpsUrl) = await StartServerAsync(await _ca.IssueServerCertificateAsync(Ct, "IP:127.0.0.1", "DNS:localhost"));
    }

    public async ValueTask DisposeAsync()
    {
        await _https.DisposeAsync();
        foreach (var app in _others)
        {
            await app.DisposeAsync();
        }

        await _proxy.DisposeAsync();
        _ca.Dispose();
    }

    private static OutboundHttp Network(Dictionary<string, string>? environment = null, params string[] caFiles) =>
        OutboundHttp.Create(new NetworkOptions { CaCertificateFiles = caFiles, Environment = name => environment?.GetValueOrDefault(name) });

    private static async Task<string> GetAsync(OutboundHttp network, Uri url)
    {
        using var client = network.CreateClient(TimeSpan.FromSeconds(30));
        return await client.GetStringAsync(url, Ct);
    }

    [Fact]
    public async Task A_private_ca_server_fails_without_ca_cert_with_one_line_that_names_ca_cert()
    {
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(Network(), new Uri(_httpsUrl, "/token?code=secret-code")));

        Assert.Equal($"The TLS certificate of {_httpsUrl.GetLeftPart(UriPartial.Authority)} is not trusted (no trusted CA issued it); if it comes from a private CA (a corporate network, TLS inspection), pass that CA with --ca-cert FILE.pem (or SSL_CERT_FILE=FILE.pem).", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain("secret-code", error.Message);
    }

    [Fact]
    public async Task With_ca_cert_the_same_server_answers() =>
        Assert.Equal("ok /idp", await GetAsync(Network(null, _ca.CertificatePath), new Uri(_httpsUrl, "/idp")));

    [Fact]
    public async Task Ssl_cert_file_adds_the_ca_as_well() =>
        Assert.Equal("ok /idp", await GetAsync(Network(new() { ["SSL_CERT_FILE"] = _ca.CertificatePath }), new Uri(_httpsUrl, "/idp")));

    [Fact]
    public async Task A_private_ca_never_forgives_a_certificate_for_another_name()
    {
        var (_, url) = await StartOtherServerAsync(await _ca.IssueServerCertificateAsync(Ct, "DNS:idp.corp.example"));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(Network(null, _ca.CertificatePath), url));

        Assert.Equal($"The TLS certificate of {url.GetLeftPart(UriPartial.Authority)} is not for 127.0.0.1 (another name, or none); check the URL, or ask for a certificate that names 127.0.0.1.", error.Message);
    }

    [Fact]
    public async Task A_certificate_from_another_ca_is_refused_even_with_ca_cert()
    {
        using var other = await TestCertificateAuthority.CreateAsync("Someone Else's CA", Ct);
        var (_, url) = await StartOtherServerAsync(await other.IssueServerCertificateAsync(Ct, "IP:127.0.0.1"));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(Network(null, _ca.CertificatePath), url));
        Assert.Contains($"it is trusted neither by the system nor by {_ca.CertificatePath}; pass the CA that issued it with --ca-cert FILE.pem", error.Message);
        Assert.Equal("ok /", await GetAsync(Network(null, _ca.CertificatePath, other.CertificatePath), url));
    }

    [Fact]
    public async Task Https_goes_through_the_proxy_in_https_proxy_as_a_connect_tunnel()
    {
        var network = Network(new() { ["HTTPS_PROXY"] = _proxy.Url }, _ca.CertificatePath);

        Assert.Equal("ok /tunnelled", await GetAsync(network, new Uri(_httpsUrl, "/tunnelled")));

        await _proxy.WaitForRequestAsync(line => line == $"CONNECT 127.0.0.1:{_httpsUrl.Port} HTTP/1.1", Ct);
    }

    [Fact]
    public async Task Http_goes_through_the_proxy_in_lower_case_http_proxy()
    {
        var (_, url) = await StartOtherServerAsync(null);
        var network = Network(new() { ["http_proxy"] = _proxy.Url });

        Assert.Equal("ok /plain", await GetAsync(network, new Uri(url, "/plain")));

        await _proxy.WaitForRequestAsync(line => line == $"GET http://127.0.0.1:{url.Port}/plain HTTP/1.1", Ct);
    }

    [Fact]
    public async Task No_proxy_with_a_port_sends_that_server_direct_and_others_through_the_proxy()
    {
        var (_, direct) = await StartOtherServerAsync(null);
        var (_, proxied) = await StartOtherServerAsync(null);
        var network = Network(new() { ["HTTP_PROXY"] = _proxy.Url, ["NO_PROXY"] = $"idp.corp.example,127.0.0.1:{direct.Port}" });

        Assert.Equal("ok /direct", await GetAsync(network, new Uri(direct, "/direct")));
        Assert.Equal("ok /control", await GetAsync(network, new Uri(proxied, "/control")));

        // The control request went through tinyproxy after the direct one: once it is logged, the direct one would be too.
        await _proxy.WaitForRequestAsync(line => line.Contains($":{proxied.Port}/control", StringComparison.Ordinal), Ct);
        Assert.DoesNotContain(_proxy.Requests(), line => line.Contains($":{direct.Port}/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_proxy_is_named_with_its_variable_and_without_its_password()
    {
        var closed = ClosedPort();
        var network = Network(new() { ["HTTPS_PROXY"] = $"http://alice:hunter2@127.0.0.1:{closed}" }, _ca.CertificatePath);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(network, _httpsUrl));

        Assert.StartsWith($"Could not reach {_httpsUrl.GetLeftPart(UriPartial.Authority)} through the proxy http://127.0.0.1:{closed} (from HTTPS_PROXY): ", error.Message);
        Assert.Contains("add 127.0.0.1 to NO_PROXY", error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [Fact]
    public async Task Credentials_in_the_proxy_url_answer_the_proxys_challenge()
    {
        await using var guarded = await Tinyproxy.StartAsync(Ct, ("alice", "s3cret"));
        var without = Network(new() { ["HTTPS_PROXY"] = guarded.Url }, _ca.CertificatePath);
        var with = Network(new() { ["HTTPS_PROXY"] = guarded.Url.Replace("http://", "http://alice:s3cret@", StringComparison.Ordinal) }, _ca.CertificatePath);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(without, _httpsUrl));
        Assert.Contains("407", refused.Message);
        Assert.Equal("ok /with-credentials", await GetAsync(with, new Uri(_httpsUrl, "/with-credentials")));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("not-pem")]
    [InlineData("key-only")]
    public void A_ca_cert_that_is_missing_or_not_pem_is_one_line_naming_the_file(string kind)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mcp-ca-{kind}-{Guid.NewGuid():N}.pem");
        if (kind == "not-pem")
        {
            File.WriteAllBytes(path, [0x30, 0x82, 0x01, 0x0a, 0x02]);
        }
        else if (kind == "key-only")
        {
            File.WriteAllText(path, "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIB4=\n-----END PRIVATE KEY-----\n");
        }

        try
        {
            var error = Assert.Throws<OAuthException>(() => Network(null, path));

            Assert.StartsWith($"--ca-cert {path}: ", error.Message);
            Assert.Contains(kind == "missing" ? "no such file" : "not a PEM certificate", error.Message);
            Assert.DoesNotContain('\n', error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_ssl_cert_file_names_the_variable()
    {
        var error = Assert.Throws<OAuthException>(() => Network(new() { ["SSL_CERT_FILE"] = "/nonexistent/bundle.pem" }));

        Assert.Equal("SSL_CERT_FILE /nonexistent/bundle.pem: no such file; give the PEM file of your network's CA certificate.", error.Message);
    }

    private async Task<(WebApplication App, Uri Url)> StartOtherServerAsync(X509Certificate2? certificate)
    {
        var (app, url) = await StartServerAsync(certificate);
        _others.Add(app);
        return (app, url);
    }

    private static async Task<(WebApplication App, Uri Url)> StartServerAsync(X509Certificate2? certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        app.MapGet("/{**path}", (HttpContext context) => "ok " + context.Request.Path);
        await app.StartAsync(Ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, new Uri(address));
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
