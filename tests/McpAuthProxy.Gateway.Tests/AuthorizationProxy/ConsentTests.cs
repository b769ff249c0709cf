using System.Net;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.AuthorizationProxy;

/// <summary>
/// Confused-deputy protection (MCP security best practices): the gateway asks the user per MCP client before anything
/// goes to the provider, and each rule of that consent is proved by a request that it refuses.
/// </summary>
public sealed class ConsentTests : IAsyncLifetime
{
    private FrontGateway _front = null!;

    public async ValueTask InitializeAsync() => _front = await FrontGateway.StartAsync();

    public ValueTask DisposeAsync() => _front.DisposeAsync();

    private async Task<(FrontGateway.Browser Browser, FrontGateway.ConsentForm Form, HttpResponseMessage Page)> ConsentPageAsync(string clientId, string redirectUri = "http://127.0.0.1:33418/callback")
    {
        var browser = _front.NewBrowser();
        var page = await browser.GetAsync(_front.AuthorizeUrl(clientId, redirectUri, FrontGateway.NewPkce().Challenge));
        return (browser, await FrontGateway.ConsentForm.ReadAsync(page), page);
    }

    [Fact]
    public async Task Consent_page_names_the_client_its_redirect_uri_and_scopes_escaped_and_cannot_be_framed()
    {
        var clientId = await _front.RegisterAsync(name: "<script>alert(1)</script> Evil");
        var (browser, form, page) = await ConsentPageAsync(clientId);
        using var _ = browser;

        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; Evil", form.Html);
        Assert.DoesNotContain("<script>", form.Html);
        Assert.Contains("http://127.0.0.1:33418/callback", form.Html);
        Assert.Contains("<code>mcp:tools</code>", form.Html);
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-store", page.Headers.CacheControl!.ToString());
        Assert.Empty(_front.Idp.AuthorizeRequests);
    }

    [Fact]
    public async Task Consent_pages_opened_from_one_address_beyond_the_limit_get_429()
    {
        await using var front = await FrontGateway.StartAsync("  consent_rate_limit: 3");
        var clientId = await front.RegisterAsync();
        using var browser = front.NewBrowser();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var page = await browser.GetAsync(front.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge));
            statuses.Add(page.StatusCode);
            if (page.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("60", page.Headers.GetValues("Retry-After").Single());
            }
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Contains(front.Logs.Entries, e => e.Message.Contains("too many pending sign-ins from this address", StringComparison.Ordinal));
        Assert.Empty(front.Idp.AuthorizeRequests);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Consent_limit_counts_the_forwarded_client_address_only_behind_a_trusted_proxy(bool trusted)
    {
        await using var front = await FrontGateway.StartAsync("  consent_rate_limit: 1", extraYaml: trusted ? "trusted_proxies: [\"127.0.0.0/8\"]" : "");
        var clientId = await front.RegisterAsync();
        using var browser = front.NewBrowser();
        var statuses = new List<HttpStatusCode>();
        foreach (var client in new[] { "203.0.113.7", "198.51.100.9" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, front.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge));
            request.Headers.Add("X-Forwarded-For", client);
            using var page = await browser.SendAsync(request);
            statuses.Add(page.StatusCode);
        }

        // Trusted: two clients, one page each. Not trusted: the header is ignored, so both count against 127.0.0.1.
        Assert.Equal(trusted ? [HttpStatusCode.OK, HttpStatusCode.OK] : [HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Consent_answer_without_the_csrf_cookie_is_refused()
    {
        var (browser, form, _) = await ConsentPageAsync(await _front.RegisterAsync());
        using var __ = browser;
        browser.Cookies.Remove("__Host-mcp-csrf");

        using var answer = await browser.PostConsentAsync(form, "allow");

        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.Empty(_front.Idp.AuthorizeRequests);
    }

    [Fact]
    public async Task Consent_answer_with_the_token_of_another_consent_page_is_refused()
    {
        var clientId = await _front.RegisterAsync();
        var (browser, form, _) = await ConsentPageAsync(clientId);
        using var __ = browser;
        using var otherPage = await browser.GetAsync(_front.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge));
        var other = await FrontGateway.ConsentForm.ReadAsync(otherPage);

        using var answer = await browser.PostConsentAsync(form, "allow", csrf: other.Csrf);

        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.Empty(_front.Idp.AuthorizeRequests);
    }

    [Fact]
    public async Task Consent_answer_from_another_origin_is_refused()
    {
        var (browser, form, _) = await ConsentPageAsync(await _front.RegisterAsync());
        using var __ = browser;

        using var answer = await browser.PostConsentAsync(form, "allow", origin: "https://attacker.example");

        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.Empty(_front.Idp.AuthorizeRequests);
    }

    [Fact]
    public async Task Consent_cookie_is_host_prefixed_secure_httponly_lax_and_set_only_on_approval()
    {
        var (browser, form, page) = await ConsentPageAsync(await _front.RegisterAsync());
        using var __ = browser;
        Assert.DoesNotContain(browser.SetCookies, c => c.StartsWith("__Host-mcp-consent-", StringComparison.Ordinal) || c.StartsWith("__Host-mcp-state-", StringComparison.Ordinal));

        using var answer = await browser.PostConsentAsync(form, "allow");

        Assert.Equal(HttpStatusCode.SeeOther, answer.StatusCode);
        Assert.StartsWith(_front.Idp.Issuer + "/authorize?", answer.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        foreach (var prefix in new[] { "__Host-mcp-consent-", "__Host-mcp-state-" })
        {
            var cookie = Assert.Single(browser.SetCookies, c => c.StartsWith(prefix, StringComparison.Ordinal)).ToLowerInvariant();
            Assert.Contains("; secure", cookie);
            Assert.Contains("; httponly", cookie);
            Assert.Contains("; samesite=lax", cookie);
            Assert.Contains("; path=/", cookie);
            Assert.DoesNotContain("domain=", cookie);
        }
    }

    [Fact]
    public async Task Approved_client_goes_straight_to_the_provider_next_time()
    {
        var clientId = await _front.RegisterAsync();
        using var browser = _front.NewBrowser();
        await _front.SignInAsync(browser, clientId);

        using var again = await browser.GetAsync(_front.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge));

        Assert.Equal(HttpStatusCode.Found, again.StatusCode);
        Assert.StartsWith(_front.Idp.Issuer + "/authorize?", again.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Consent_for_one_client_does_not_cover_another_even_with_its_cookie_renamed()
    {
        var first = await _front.RegisterAsync(name: "First");
        var second = await _front.RegisterAsync(name: "Second");
        using var browser = _front.NewBrowser();
        await _front.SignInAsync(browser, first);
        var consent = browser.Cookies.Single(c => c.Key.StartsWith("__Host-mcp-consent-", StringComparison.Ordinal));
        using var secondPage = await browser.GetAsync(_front.AuthorizeUrl(second, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge));
        Assert.Equal(HttpStatusCode.OK, secondPage.StatusCode);

        // The first client's signed consent, presented under every cookie name the second client could have.
        using var probe = _front.NewBrowser();
        await _front.SignInAsync(probe, second);
        var secondName = probe.Cookies.Keys.Single(k => k.StartsWith("__Host-mcp-consent-", StringComparison.Ordinal));
        using var forged = _front.NewBrowser();
        forged.Cookies[secondName] = consent.Value;
        using var forgedPage = await forged.GetAsync(_front.AuthorizeUrl(second, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge));

        Assert.Equal(HttpStatusCode.OK, forgedPage.StatusCode);
        Assert.Contains("Allow <strong>Second</strong>", await forgedPage.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Consent_cookie_with_a_broken_signature_is_ignored()
    {
        var clientId = await _front.RegisterAsync();
        using var browser = _front.NewBrowser();
        await _front.SignInAsync(browser, clientId);
        var name = browser.Cookies.Keys.Single(k => k.StartsWith("__Host-mcp-consent-", StringComparison.Ordinal));
        var value = browser.Cookies[name];
        browser.Cookies[name] = value[..^2] + (value[^2] == 'A' ? "B" : "A") + value[^1];

        using var page = await browser.GetAsync(_front.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("/authorize/consent", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Consent_for_some_scopes_does_not_cover_more()
    {
        var clientId = await _front.RegisterAsync();
        using var browser = _front.NewBrowser();
        await _front.SignInAsync(browser, clientId);

        using var page = await browser.GetAsync(_front.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge, scope: "mcp:tools mcp:admin"));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<code>mcp:admin</code>", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Denying_sends_access_denied_to_the_client_and_nothing_to_the_provider()
    {
        var (browser, form, _) = await ConsentPageAsync(await _front.RegisterAsync());
        using var __ = browser;

        using var answer = await browser.PostConsentAsync(form, "deny");

        var location = answer.Headers.Location!;
        Assert.StartsWith("http://127.0.0.1:33418/callback?", location.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal("access_denied", FrontGateway.Query(location, "error"));
        Assert.Equal("client-state", FrontGateway.Query(location, "state"));
        Assert.Equal(_front.Base, FrontGateway.Query(location, "iss"));
        Assert.Empty(_front.Idp.AuthorizeRequests);
    }

    [Fact]
    public async Task Consent_page_answered_twice_works_once()
    {
        var (browser, form, _) = await ConsentPageAsync(await _front.RegisterAsync());
        using var __ = browser;
        using var first = await browser.PostConsentAsync(form, "allow");

        using var second = await browser.PostConsentAsync(form, "allow");

        Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
    }
}
