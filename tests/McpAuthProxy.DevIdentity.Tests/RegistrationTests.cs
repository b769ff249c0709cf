using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpAuthProxy.DevIdentity.Tests.Support;

namespace McpAuthProxy.DevIdentity.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public async Task Registered_native_client_signs_in_with_its_redirect_on_another_loopback_port()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);
        var registration = await RegisterAsync(browser.Http, idp, new JsonObject
        {
            ["redirect_uris"] = new JsonArray("http://127.0.0.1/callback"),
            ["client_name"] = "Test desktop app",
            ["application_type"] = "native",
            ["token_endpoint_auth_method"] = "none",
            ["grant_types"] = new JsonArray("authorization_code", "refresh_token"),
        });
        var clientId = registration.Body.GetProperty("client_id").GetString()!;
        var pkce = Pkce.Create();

        var location = await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(idp, clientId, "http://127.0.0.1:49152/callback", pkce, "dcr"), "demo", "demo-password");
        var (status, tokens) = await OAuthRequests.TokenAsync(browser.Http, idp,
        [
            new("grant_type", "authorization_code"), new("code", OAuthRequests.Query(location)["code"]), new("redirect_uri", "http://127.0.0.1:49152/callback"),
            new("client_id", clientId), new("code_verifier", pkce.Verifier), new("resource", OAuthRequests.Resource),
        ]);

        Assert.Equal(HttpStatusCode.Created, registration.Status);
        Assert.Equal("native", registration.Body.GetProperty("application_type").GetString());
        Assert.Equal("none", registration.Body.GetProperty("token_endpoint_auth_method").GetString());
        Assert.False(registration.Body.TryGetProperty("client_secret", out _));
        Assert.StartsWith("http://127.0.0.1:49152/callback?", location.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal(200, status);
        Assert.True(tokens.TryGetProperty("refresh_token", out _));
        Assert.Contains(idp.Clients, c => c.ClientId == clientId && c.DisplayName == "Test desktop app");
    }

    [Fact]
    public async Task Registered_client_cannot_use_a_different_loopback_path()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);
        var registration = await RegisterAsync(browser.Http, idp, new JsonObject { ["redirect_uris"] = new JsonArray("http://127.0.0.1:8080/callback") });

        var response = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, registration.Body.GetProperty("client_id").GetString()!, "http://127.0.0.1:8080/other", Pkce.Create(), "x"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", await OAuthRequests.AuthorizationErrorAsync(response));
    }

    [Fact]
    public async Task Registration_with_client_secret_post_returns_a_secret_that_works()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);
        var registration = await RegisterAsync(browser.Http, idp, new JsonObject
        {
            ["redirect_uris"] = new JsonArray("http://localhost/cb"),
            ["token_endpoint_auth_method"] = "client_secret_post",
        });
        var clientId = registration.Body.GetProperty("client_id").GetString()!;
        var secret = registration.Body.GetProperty("client_secret").GetString()!;
        var pkce = Pkce.Create();

        var response = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, clientId, "http://localhost:3000/cb", pkce, "x"));
        var (status, _) = await OAuthRequests.TokenAsync(browser.Http, idp,
        [
            new("grant_type", "authorization_code"), new("code", OAuthRequests.Query(response.Headers.Location!)["code"]), new("redirect_uri", "http://localhost:3000/cb"),
            new("client_id", clientId), new("client_secret", secret), new("code_verifier", pkce.Verifier),
        ]);

        Assert.Equal(200, status);
    }

    [Theory]
    [InlineData("https://app.example/callback")]
    [InlineData("http://app.example/callback")]
    [InlineData("not a uri")]
    public async Task Registration_rejects_a_redirect_that_is_not_native(string redirect)
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var http = new HttpClient();

        var (status, body) = await RegisterAsync(http, idp, new JsonObject { ["redirect_uris"] = new JsonArray(redirect) });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_redirect_uri", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Registration_rejects_a_web_application_type()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var http = new HttpClient();

        var (status, body) = await RegisterAsync(http, idp, new JsonObject { ["redirect_uris"] = new JsonArray("http://127.0.0.1/cb"), ["application_type"] = "web" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_client_metadata", body.GetProperty("error").GetString());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> RegisterAsync(HttpClient http, DevIdentityServer idp, JsonObject metadata)
    {
        using var response = await http.PostAsJsonAsync(idp.RegistrationEndpoint, metadata, TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone());
    }
}
