using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.Tests.AuthorizationProxy;

/// <summary>
/// The front's client side: RFC 7591 registration (native loopback or https redirect URIs only, rate-limited), redirect
/// URIs matched exactly at /authorize, client ids that cannot be forged, Client ID Metadata Documents, and the metadata
/// documents that point MCP clients at the gateway.
/// </summary>
public sealed class RegistrationTests : IAsyncLifetime
{
    private FrontGateway _front = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _front = await FrontGateway.StartAsync("  registration_rate_limit: 8");

    public ValueTask DisposeAsync() => _front.DisposeAsync();

    private async Task<HttpResponseMessage> RegisterRawAsync(object body)
    {
        using var http = new HttpClient { BaseAddress = _front.Gateway.BaseUrl };
        return await http.PostAsJsonAsync("/register", body, Ct);
    }

    [Theory]
    [InlineData("http://evil.example/callback")]
    [InlineData("myapp://callback")]
    [InlineData("https://*.example.com/callback")]
    [InlineData("http://127.0.0.1:1234/callback#fragment")]
    [InlineData("https://user:pass@app.example.com/callback")]
    [InlineData("/relative/callback")]
    public async Task Registration_refuses_redirect_uris_that_are_not_native_loopback_or_https(string redirectUri)
    {
        using var answer = await RegisterRawAsync(new { redirect_uris = new[] { redirectUri }, client_name = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal("invalid_redirect_uri", JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("http://127.0.0.1:33418/callback")]
    [InlineData("http://localhost:6274/oauth/callback")]
    [InlineData("http://[::1]:8080/cb")]
    [InlineData("https://vscode.dev/redirect")]
    public async Task Registration_accepts_loopback_and_https_redirect_uris_as_a_public_client(string redirectUri)
    {
        using var answer = await RegisterRawAsync(new { redirect_uris = new[] { redirectUri }, client_name = "ok", token_endpoint_auth_method = "client_secret_basic" });

        Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(redirectUri, json.GetProperty("redirect_uris")[0].GetString());
        Assert.Equal("none", json.GetProperty("token_endpoint_auth_method").GetString());
        Assert.False(json.TryGetProperty("client_secret", out _));
    }

    [Fact]
    public async Task Registration_refuses_other_grant_types_and_broken_bodies()
    {
        using var grant = await RegisterRawAsync(new { redirect_uris = new[] { "http://127.0.0.1:1/cb" }, grant_types = new[] { "client_credentials" } });
        using var http = new HttpClient { BaseAddress = _front.Gateway.BaseUrl };
        using var broken = await http.PostAsync("/register", new StringContent("{not json", Encoding.UTF8, "application/json"), Ct);
        using var form = await http.PostAsync("/register", new FormUrlEncodedContent(new Dictionary<string, string> { ["redirect_uris"] = "http://127.0.0.1:1/cb" }), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, grant.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        Assert.Contains("invalid_client_metadata", await broken.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Registration_is_rate_limited_per_address()
    {
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 9; i++)
        {
            last?.Dispose();
            last = await RegisterRawAsync(new { redirect_uris = new[] { "http://127.0.0.1:1/cb" } });
            statuses.Add(last.StatusCode);
        }

        Assert.Equal(8, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.Equal("60", last!.Headers.GetValues("Retry-After").Single());
        last.Dispose();
        Assert.Contains(_front.Logs.Entries, e => e.Message.Contains("Registration rate limit", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://127.0.0.1:33419/callback")]
    [InlineData("http://127.0.0.1:33418/callback/")]
    [InlineData("http://127.0.0.1:33418/callback?x=1")]
    [InlineData("http://localhost:33418/callback")]
    [InlineData("http://127.0.0.1:33418/Callback")]
    public async Task Authorize_refuses_a_redirect_uri_that_is_not_exactly_the_registered_one(string redirectUri)
    {
        var clientId = await _front.RegisterAsync("http://127.0.0.1:33418/callback");
        using var browser = _front.NewBrowser();

        using var answer = await browser.GetAsync(_front.AuthorizeUrl(clientId, redirectUri, FrontGateway.NewPkce().Challenge));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Null(answer.Headers.Location);
        Assert.Contains("not exactly the one", await answer.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Authorize_refuses_a_client_id_whose_registration_was_altered()
    {
        var clientId = await _front.RegisterAsync("http://127.0.0.1:33418/callback");
        var parts = clientId["mcpgw.".Length..].Split('.');
        var payload = Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[0]))
            .Replace("http://127.0.0.1:33418/callback", "https://attacker.example/steal", StringComparison.Ordinal);
        var forged = "mcpgw." + Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(payload) + "." + parts[1];
        using var browser = _front.NewBrowser();

        using var answer = await browser.GetAsync(_front.AuthorizeUrl(forged, "https://attacker.example/steal", FrontGateway.NewPkce().Challenge));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Null(answer.Headers.Location);
        Assert.Contains("Unknown MCP client", await answer.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("code_challenge_method=S256", "code_challenge_method=plain", "invalid_request")]
    [InlineData("&code_challenge=", "&no_challenge=", "invalid_request")]
    [InlineData("response_type=code", "response_type=token", "unsupported_response_type")]
    [InlineData("&resource=", "&resource=https%3A%2F%2Fother.example%2Fmcp&x=", "invalid_target")]
    public async Task Authorize_sends_request_errors_back_to_the_registered_redirect_uri(string from, string to, string error)
    {
        var clientId = await _front.RegisterAsync();
        using var browser = _front.NewBrowser();

        using var answer = await browser.GetAsync(_front.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge).Replace(from, to, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Found, answer.StatusCode);
        Assert.StartsWith("http://127.0.0.1:33418/callback?", answer.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal(error, FrontGateway.Query(answer.Headers.Location, "error"));
        Assert.Equal("client-state", FrontGateway.Query(answer.Headers.Location, "state"));
        Assert.Empty(_front.Idp.AuthorizeRequests);
    }

    [Fact]
    public async Task Registration_made_with_a_configured_key_survives_a_restart_and_one_made_with_another_key_does_not()
    {
        Environment.SetEnvironmentVariable("FRONT_TEST_KEY_A", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        Environment.SetEnvironmentVariable("FRONT_TEST_KEY_B", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        string clientId;
        await using (var before = await FrontGateway.StartAsync("  key_env: FRONT_TEST_KEY_A"))
        {
            clientId = await before.RegisterAsync();
        }

        await using var sameKey = await FrontGateway.StartAsync("  key_env: FRONT_TEST_KEY_A");
        await using var otherKey = await FrontGateway.StartAsync("  key_env: FRONT_TEST_KEY_B");
        using var browser = sameKey.NewBrowser();
        using var same = await browser.GetAsync(sameKey.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge));
        using var other = await browser.GetAsync(otherKey.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge));

        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Contains("/authorize/consent", await same.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        Assert.DoesNotContain(sameKey.Logs.Entries, e => e.Message.Contains("key_env is not set", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metadata_points_every_endpoint_at_the_gateway_and_protected_resource_metadata_names_it()
    {
        using var http = new HttpClient { BaseAddress = _front.Gateway.BaseUrl };
        var metadata = JsonDocument.Parse(await http.GetStringAsync("/.well-known/oauth-authorization-server", Ct)).RootElement;
        var prm = JsonDocument.Parse(await http.GetStringAsync("/.well-known/oauth-protected-resource/mcp", Ct)).RootElement;

        Assert.Equal(_front.Base, metadata.GetProperty("issuer").GetString());
        foreach (var (field, path) in new[] { ("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"), ("registration_endpoint", "/register") })
        {
            Assert.Equal(_front.Base + path, metadata.GetProperty(field).GetString());
        }

        Assert.Equal(["S256"], metadata.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.True(metadata.GetProperty("client_id_metadata_document_supported").GetBoolean());
        Assert.True(metadata.GetProperty("authorization_response_iss_parameter_supported").GetBoolean());
        Assert.Equal([_front.Base], prm.GetProperty("authorization_servers").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Client_id_metadata_document_is_accepted_and_its_redirect_uris_matched()
    {
        await using var documents = await DocumentServer.StartAsync(url => $$"""
            {"client_id":"{{url}}","client_name":"Doc Client","redirect_uris":["http://127.0.0.1:40001/callback"],"token_endpoint_auth_method":"none"}
            """);
        using var browser = _front.NewBrowser();

        using var page = await browser.GetAsync(_front.AuthorizeUrl(documents.Url, "http://127.0.0.1:40001/callback", FrontGateway.NewPkce().Challenge));
        using var wrong = await browser.GetAsync(_front.AuthorizeUrl(documents.Url, "http://127.0.0.1:40002/callback", FrontGateway.NewPkce().Challenge));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Allow <strong>Doc Client</strong>", await page.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
    }

    [Fact]
    public async Task Client_id_metadata_document_naming_another_client_id_is_refused()
    {
        await using var documents = await DocumentServer.StartAsync(_ => """
            {"client_id":"https://elsewhere.example/client.json","client_name":"Impostor","redirect_uris":["http://127.0.0.1:40001/callback"]}
            """);
        using var browser = _front.NewBrowser();

        using var answer = await browser.GetAsync(_front.AuthorizeUrl(documents.Url, "http://127.0.0.1:40001/callback", FrontGateway.NewPkce().Challenge));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains(_front.Logs.Entries, e => e.Message.Contains("client_id is not its own URL", StringComparison.Ordinal));
    }

    /// <summary>Serves one Client ID Metadata Document on loopback (a development gateway, itself on loopback, may fetch it).</summary>
    private sealed class DocumentServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private DocumentServer(WebApplication app, string url)
        {
            _app = app;
            Url = url;
        }

        public string Url { get; }

        public static async Task<DocumentServer> StartAsync(Func<string, string> document)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            var app = builder.Build();
            app.Urls.Add("http://127.0.0.1:0");
            string? url = null;
            app.MapGet("/client.json", (RequestDelegate)(context =>
            {
                context.Response.ContentType = "application/json";
                return context.Response.WriteAsync(document(url!), context.RequestAborted);
            }));
            await app.StartAsync(Ct);
            url = app.Urls.Single().TrimEnd('/') + "/client.json";
            return new DocumentServer(app, url);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
