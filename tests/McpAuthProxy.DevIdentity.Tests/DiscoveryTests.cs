using System.Text.Json;

namespace McpAuthProxy.DevIdentity.Tests;

public sealed class DiscoveryTests
{
    [Theory]
    [InlineData(".well-known/openid-configuration")]
    [InlineData(".well-known/oauth-authorization-server")]
    public async Task Metadata_lists_issuer_endpoints_S256_iss_parameter_and_registration(string path)
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var http = new HttpClient();

        var json = await http.GetStringAsync(new Uri(idp.Issuer, path), TestContext.Current.CancellationToken);

        var doc = JsonDocument.Parse(json).RootElement;
        Assert.Equal(idp.Issuer.AbsoluteUri, doc.GetProperty("issuer").GetString());
        Assert.Equal(idp.AuthorizationEndpoint.AbsoluteUri, doc.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(idp.TokenEndpoint.AbsoluteUri, doc.GetProperty("token_endpoint").GetString());
        Assert.Equal(idp.JwksUri.AbsoluteUri, doc.GetProperty("jwks_uri").GetString());
        Assert.Equal(idp.RegistrationEndpoint.AbsoluteUri, doc.GetProperty("registration_endpoint").GetString());
        Assert.Equal(idp.DeviceAuthorizationEndpoint.AbsoluteUri, doc.GetProperty("device_authorization_endpoint").GetString());
        Assert.Equal(["S256"], doc.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.True(doc.GetProperty("authorization_response_iss_parameter_supported").GetBoolean());
        var grants = doc.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("authorization_code", grants);
        Assert.Contains("refresh_token", grants);
        Assert.Contains("client_credentials", grants);
        Assert.Contains("urn:ietf:params:oauth:grant-type:device_code", grants);
        var scopes = doc.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("mcp:tools", scopes);
        Assert.Contains("mcp:admin", scopes);
        var auth = doc.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("client_secret_basic", auth);
        Assert.Contains("client_secret_post", auth);
        Assert.Contains("none", auth);
    }

    [Fact]
    public async Task Jwks_publishes_an_RSA_signing_key_for_RS256()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var http = new HttpClient();

        var json = await http.GetStringAsync(idp.JwksUri, TestContext.Current.CancellationToken);

        var key = Assert.Single(JsonDocument.Parse(json).RootElement.GetProperty("keys").EnumerateArray(), k => k.GetProperty("use").GetString() == "sig");
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
    }

    [Fact]
    public async Task Issuer_is_the_bound_loopback_address_when_started_on_port_0()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);

        Assert.Equal("127.0.0.1", idp.Issuer.Host);
        Assert.NotEqual(0, idp.Issuer.Port);
        Assert.Equal("/", idp.Issuer.AbsolutePath);
    }
}
