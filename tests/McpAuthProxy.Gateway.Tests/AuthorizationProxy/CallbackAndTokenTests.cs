using System.Net;
using System.Text.Json;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.AuthorizationProxy;

/// <summary>
/// After consent: the provider's callback (single-use state bound to the browser, 10 minutes), the gateway's own codes
/// (single use, PKCE), refresh tokens bound to their client, and what the provider is sent on the gateway's behalf.
/// </summary>
public sealed class CallbackAndTokenTests : IAsyncLifetime
{
    private FrontGateway _front = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _front = await FrontGateway.StartAsync(extraYaml: """
        default:
          path:
            /authorize:
              addQueryParams:
                - name: audience
                  value: mcp_api
            /token:
              addBodyParams:
                - name: audience
                  value: mcp_api
        """);

    public ValueTask DisposeAsync() => _front.DisposeAsync();

    /// <summary>Approves the consent and returns the provider's answer (a redirect to the gateway's callback), not yet followed.</summary>
    private async Task<(FrontGateway.Browser Browser, HttpResponseMessage Callback, string Verifier)> UpToCallbackAsync(string clientId)
    {
        var browser = _front.NewBrowser();
        var (verifier, challenge) = FrontGateway.NewPkce();
        using var page = await browser.GetAsync(_front.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", challenge));
        using var approved = await browser.PostConsentAsync(await FrontGateway.ConsentForm.ReadAsync(page), "allow");
        var atProvider = await browser.FollowAsync(approved);
        return (browser, atProvider, verifier);
    }

    private static Dictionary<string, string> CodeForm(string clientId, string code, string verifier) => new()
    {
        ["grant_type"] = "authorization_code",
        ["client_id"] = clientId,
        ["code"] = code,
        ["code_verifier"] = verifier,
        ["redirect_uri"] = "http://127.0.0.1:33418/callback",
    };

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;

    [Fact]
    public async Task Provider_is_asked_with_the_gateways_client_its_own_pkce_the_resource_and_the_configured_parameters()
    {
        var clientId = await _front.RegisterAsync();
        using var browser = _front.NewBrowser();

        var (code, verifier, _) = await _front.SignInAsync(browser, clientId);
        using var tokens = await _front.TokenAsync(CodeForm(clientId, code, verifier));

        Assert.True(tokens.StatusCode == HttpStatusCode.OK, await tokens.Content.ReadAsStringAsync(Ct) + "\n" + string.Join("\n", _front.Logs.Entries.Select(e => e.Message)));
        var authorize = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(Assert.Single(_front.Idp.AuthorizeRequests));
        Assert.Equal("gateway-client", authorize["client_id"]);
        Assert.Equal(_front.Base + "/oauth/callback", authorize["redirect_uri"]);
        Assert.Equal("S256", authorize["code_challenge_method"]);
        Assert.Equal(_front.McpUrl, authorize["resource"]);
        Assert.Equal("mcp_api", authorize["audience"]);
        Assert.Equal("mcp:tools", authorize["scope"]);
        var (authorization, form) = Assert.Single(_front.Idp.TokenRequests);
        Assert.StartsWith("Basic ", authorization, StringComparison.Ordinal);
        Assert.Equal("mcp_api", form["audience"]);
        Assert.Equal(43, form["code_verifier"].Length);
        Assert.NotEqual(verifier, form["code_verifier"]);
    }

    [Fact]
    public async Task Client_gets_the_providers_access_token_without_its_id_token_and_a_sealed_refresh_token_that_calls_tools()
    {
        var clientId = await _front.RegisterAsync();
        using var browser = _front.NewBrowser();
        var (code, verifier, _) = await _front.SignInAsync(browser, clientId);

        using var tokens = await _front.TokenAsync(CodeForm(clientId, code, verifier));
        var json = await JsonAsync(tokens);

        Assert.False(json.TryGetProperty("id_token", out _));
        Assert.StartsWith("mcr.", json.GetProperty("refresh_token").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("rt-", json.GetProperty("refresh_token").GetString(), StringComparison.Ordinal);
        Assert.Equal("no-store", tokens.Headers.CacheControl!.ToString());
        await using var mcp = await GatewayFixture.ConnectToAsync(_front.McpUrl, json.GetProperty("access_token").GetString()!);
        Assert.Contains((await mcp.ListToolsAsync(cancellationToken: Ct)), t => t.Name == "echo");
    }

    [Fact]
    public async Task Callback_without_the_state_cookie_is_refused()
    {
        var (browser, callback, _) = await UpToCallbackAsync(await _front.RegisterAsync());
        using var __ = browser;
        using var ___ = callback;
        using var otherBrowser = _front.NewBrowser();

        using var answer = await otherBrowser.FollowAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Null(answer.Headers.Location);
        Assert.Empty(_front.Idp.TokenRequests);
    }

    [Fact]
    public async Task Callback_with_a_state_of_another_sign_in_is_refused()
    {
        var (browser, callback, _) = await UpToCallbackAsync(await _front.RegisterAsync());
        using var __ = browser;
        using var ___ = callback;
        var forged = callback.Headers.Location!.AbsoluteUri.Replace("state=", "state=x", StringComparison.Ordinal);

        using var answer = await browser.GetAsync(forged);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Empty(_front.Idp.TokenRequests);
    }

    [Fact]
    public async Task Callback_state_works_once()
    {
        var (browser, callback, _) = await UpToCallbackAsync(await _front.RegisterAsync());
        using var __ = browser;
        using var ___ = callback;
        var stateCookie = browser.Cookies.Single(c => c.Key.StartsWith("__Host-mcp-state-", StringComparison.Ordinal));
        using var first = await browser.FollowAsync(callback);
        Assert.Equal(HttpStatusCode.Found, first.StatusCode);
        browser.Cookies[stateCookie.Key] = stateCookie.Value;

        using var replay = await browser.FollowAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Single(_front.Idp.TokenRequests);
    }

    [Fact]
    public async Task Callback_state_expires_after_ten_minutes()
    {
        var (browser, callback, _) = await UpToCallbackAsync(await _front.RegisterAsync());
        using var __ = browser;
        using var ___ = callback;
        _front.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        using var answer = await browser.FollowAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("expired", await answer.Content.ReadAsStringAsync(Ct));
        Assert.Empty(_front.Idp.TokenRequests);
    }

    [Fact]
    public async Task Code_works_once()
    {
        var clientId = await _front.RegisterAsync();
        using var browser = _front.NewBrowser();
        var (code, verifier, _) = await _front.SignInAsync(browser, clientId);
        using var first = await _front.TokenAsync(CodeForm(clientId, code, verifier));

        using var second = await _front.TokenAsync(CodeForm(clientId, code, verifier));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Equal("invalid_grant", (await JsonAsync(second)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Code_needs_the_verifier_of_its_challenge()
    {
        var clientId = await _front.RegisterAsync();
        using var browser = _front.NewBrowser();
        var (code, _, _) = await _front.SignInAsync(browser, clientId);

        using var answer = await _front.TokenAsync(CodeForm(clientId, code, FrontGateway.NewPkce().Verifier));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("code_verifier", (await JsonAsync(answer)).GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task Code_of_one_client_is_refused_to_another()
    {
        var clientId = await _front.RegisterAsync();
        var other = await _front.RegisterAsync(name: "Other");
        using var browser = _front.NewBrowser();
        var (code, verifier, _) = await _front.SignInAsync(browser, clientId);

        using var answer = await _front.TokenAsync(CodeForm(other, code, verifier));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal("invalid_grant", (await JsonAsync(answer)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Code_expires_after_five_minutes()
    {
        var clientId = await _front.RegisterAsync();
        using var browser = _front.NewBrowser();
        var (code, verifier, _) = await _front.SignInAsync(browser, clientId);
        _front.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        using var answer = await _front.TokenAsync(CodeForm(clientId, code, verifier));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
    }

    [Fact]
    public async Task Refresh_token_works_for_its_client_and_not_for_another()
    {
        var clientId = await _front.RegisterAsync();
        var other = await _front.RegisterAsync(name: "Other");
        using var browser = _front.NewBrowser();
        var (code, verifier, _) = await _front.SignInAsync(browser, clientId);
        using var tokens = await _front.TokenAsync(CodeForm(clientId, code, verifier));
        var refresh = (await JsonAsync(tokens)).GetProperty("refresh_token").GetString()!;
        Assert.Single(_front.Idp.TokenRequests);

        using var stolen = await _front.TokenAsync(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["client_id"] = other, ["refresh_token"] = refresh });
        using var own = await _front.TokenAsync(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["client_id"] = clientId, ["refresh_token"] = refresh });

        Assert.Equal(HttpStatusCode.BadRequest, stolen.StatusCode);
        Assert.Equal("invalid_grant", (await JsonAsync(stolen)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        var sent = _front.Idp.TokenRequests.Last().Form;
        Assert.Equal("refresh_token", sent["grant_type"]);
        Assert.StartsWith("rt-", sent["refresh_token"], StringComparison.Ordinal);
        Assert.Equal(2, _front.Idp.TokenRequests.Count);
    }

    [Fact]
    public async Task Unknown_client_at_the_token_endpoint_is_invalid_client()
    {
        using var answer = await _front.TokenAsync(new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["client_id"] = "mcpgw.forged.x", ["code"] = "x" });

        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Equal("invalid_client", (await JsonAsync(answer)).GetProperty("error").GetString());
    }
}
