using System.Net;
using McpAuthProxy.DevIdentity.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;

namespace McpAuthProxy.DevIdentity.Tests;

public sealed class AuthorizationCodeFlowTests
{
    private const string Redirect = "http://127.0.0.1:53682/callback";

    [Fact]
    public async Task Code_flow_through_the_sign_in_and_consent_forms_issues_a_signed_JWT_for_the_resource()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);
        var pkce = Pkce.Create();

        var location = await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, pkce, "st-1"), "demo", "demo-password");
        var query = OAuthRequests.Query(location);
        var (status, tokens) = await OAuthRequests.TokenAsync(browser.Http, idp,
        [
            new("grant_type", "authorization_code"), new("code", query["code"]), new("redirect_uri", Redirect),
            new("client_id", "mcp-bridge"), new("code_verifier", pkce.Verifier), new("resource", OAuthRequests.Resource),
        ]);

        Assert.StartsWith(Redirect + "?", location.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal("st-1", query["state"]);
        Assert.Equal(idp.Issuer.AbsoluteUri, query["iss"]);
        Assert.Equal(200, status);
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.True(tokens.TryGetProperty("refresh_token", out _));
        var validation = await OAuthRequests.ValidateAccessTokenAsync(browser.Http, idp, tokens.GetProperty("access_token").GetString()!, OAuthRequests.Resource);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var jwt = (JsonWebToken)validation.SecurityToken;
        Assert.Equal([OAuthRequests.Resource], jwt.Audiences);
        Assert.Equal("RS256", jwt.Alg);
        Assert.Equal("demo-user", jwt.Subject);
        Assert.Equal("mcp-bridge", jwt.GetPayloadValue<string>("client_id"));
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.Equal("mcp:tools offline_access openid", string.Join(' ', OAuthRequests.Scope(jwt).Split(' ').Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task Sign_in_page_shows_the_demo_credentials()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);

        var page = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, Pkce.Create(), "st"));

        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<code id=\"demo-username\">demo</code>", html, StringComparison.Ordinal);
        Assert.Contains("<code id=\"demo-password\">demo-password</code>", html, StringComparison.Ordinal);
        Assert.Contains("name=\"username\"", html, StringComparison.Ordinal);
        Assert.Contains("name=\"password\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_password_shows_the_error_and_sets_no_session()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);
        var login = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, Pkce.Create(), "st"));

        var retry = await browser.SubmitAsync(login, ("username", "demo"), ("password", "wrong"));

        var html = await retry.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Contains("Invalid user name or password.", html, StringComparison.Ordinal);
        Assert.False(retry.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Consent_page_lists_the_client_and_scopes()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);
        var login = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, Pkce.Create(), "st", "openid mcp:tools mcp:admin"));

        var consent = await browser.FollowAsync(await browser.SubmitAsync(login, ("username", "demo"), ("password", "demo-password")));

        var html = await consent.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("mcp-auth-proxy bridge", html, StringComparison.Ordinal);
        Assert.Contains("<code id=\"client-id\">mcp-bridge</code>", html, StringComparison.Ordinal);
        Assert.Contains("<code>mcp:admin</code>", html, StringComparison.Ordinal);
        Assert.Contains("<code>mcp:tools</code>", html, StringComparison.Ordinal);
        Assert.Contains("<code>" + OAuthRequests.Resource + "</code>", html, StringComparison.Ordinal);
        Assert.Contains("name=\"decision\" value=\"allow\"", html, StringComparison.Ordinal);
        Assert.Contains("name=\"decision\" value=\"deny\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deny_at_consent_redirects_with_access_denied_state_and_iss()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);

        var location = await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, Pkce.Create(), "st-deny"), "demo", "demo-password", "deny");

        var query = OAuthRequests.Query(location);
        Assert.Equal("access_denied", query["error"]);
        Assert.Equal("st-deny", query["state"]);
        Assert.Equal(idp.Issuer.AbsoluteUri, query["iss"]);
        Assert.False(query.ContainsKey("code"));
    }

    [Fact]
    public async Task Consent_post_without_the_session_csrf_token_is_rejected()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);
        var login = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, Pkce.Create(), "st"));
        var consent = await browser.FollowAsync(await browser.SubmitAsync(login, ("username", "demo"), ("password", "demo-password")));
        var form = HtmlForm.Parse(await consent.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        var forged = await browser.Http.PostAsync(new Uri(idp.Issuer, form.Action),
            new FormUrlEncodedContent([.. form.Fields.Where(f => f.Key != "csrf"), new("csrf", "forged"), new("decision", "allow")]), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task Auto_approve_redirects_with_a_code_without_any_page()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);

        var response = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, Pkce.Create(), "st-auto"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var query = OAuthRequests.Query(response.Headers.Location!);
        Assert.Equal("st-auto", query["state"]);
        Assert.Equal(idp.Issuer.AbsoluteUri, query["iss"]);
        Assert.False(string.IsNullOrEmpty(query["code"]));
    }

    [Fact]
    public async Task Authorization_request_without_PKCE_is_refused()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);
        var url = new Uri(idp.AuthorizationEndpoint + "?response_type=code&client_id=mcp-bridge&state=s&scope=openid&redirect_uri=" + Uri.EscapeDataString(Redirect));

        var response = await browser.GetAsync(url);

        Assert.Equal("invalid_request", await OAuthRequests.AuthorizationErrorAsync(response));
    }

    [Fact]
    public async Task Redeeming_with_a_wrong_code_verifier_fails()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);
        var response = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, Pkce.Create(), "st"));

        var (status, body) = await OAuthRequests.TokenAsync(browser.Http, idp,
        [
            new("grant_type", "authorization_code"), new("code", OAuthRequests.Query(response.Headers.Location!)["code"]), new("redirect_uri", Redirect),
            new("client_id", "mcp-bridge"), new("code_verifier", Pkce.Create().Verifier),
        ]);

        Assert.Equal(400, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Bridge_client_accepts_any_loopback_port_and_path()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);

        var a = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", "http://127.0.0.1:41234/oauth/callback", Pkce.Create(), "a"));
        var b = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", "http://localhost:8976/callback", Pkce.Create(), "b"));
        var c = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", "https://evil.example/callback", Pkce.Create(), "c"));

        Assert.StartsWith("http://127.0.0.1:41234/oauth/callback?", a.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.StartsWith("http://localhost:8976/callback?", b.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, c.StatusCode);
    }

    [Fact]
    public async Task Restricted_resources_refuse_an_unknown_resource()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true, Resources = [new Uri(OAuthRequests.Resource)] }, TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);

        var allowed = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, Pkce.Create(), "a"));
        var refused = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, Pkce.Create(), "b", resource: "http://127.0.0.1:10/other"));

        Assert.True(OAuthRequests.Query(allowed.Headers.Location!).ContainsKey("code"));
        Assert.Equal("invalid_target", await OAuthRequests.AuthorizationErrorAsync(refused));
    }

    [Theory]
    [InlineData("basic")]
    [InlineData("post")]
    public async Task Public_client_sending_an_empty_secret_can_redeem_its_code(string method)
    {
        // The C# SDK uses the first token_endpoint_auth_methods_supported entry for a pre-registered client and then
        // sends client_id with an empty secret; a public client must still get through.
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);
        var pkce = Pkce.Create();
        var response = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, pkce, "st"));
        List<KeyValuePair<string, string>> form =
        [
            new("grant_type", "authorization_code"), new("code", OAuthRequests.Query(response.Headers.Location!)["code"]),
            new("redirect_uri", Redirect), new("code_verifier", pkce.Verifier),
        ];
        if (method == "post")
        {
            form.Add(new("client_id", "mcp-bridge"));
            form.Add(new("client_secret", string.Empty));
        }

        var (status, body) = await OAuthRequests.TokenAsync(browser.Http, idp, form, method == "basic" ? ("mcp-bridge", string.Empty) : null);

        Assert.True(status == 200, body.ToString());
    }

    [Fact]
    public async Task Prompt_none_without_a_session_redirects_with_login_required()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);

        var response = await browser.GetAsync(new Uri(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, Pkce.Create(), "pn") + "&prompt=none"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("login_required", OAuthRequests.Query(response.Headers.Location!)["error"]);
    }

    [Fact]
    public async Task Second_authorization_in_the_same_browser_skips_the_sign_in_page()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var browser = new Browser(idp.Issuer);
        await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, Pkce.Create(), "one"), "demo", "demo-password");

        var page = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Redirect, Pkce.Create(), "two", "openid mcp:admin"));

        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("name=\"decision\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"password\"", html, StringComparison.Ordinal);
    }
}
