using System.Net;
using System.Text.Json;
using McpAuthProxy.DevIdentity.Tests.Support;

namespace McpAuthProxy.DevIdentity.Tests;

public sealed class DeviceCodeTests
{
    [Fact]
    public async Task Device_code_is_pending_until_the_user_approves_then_redeems_for_tokens()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        using var browser = new Browser(idp.Issuer);
        var device = await StartAsync(http, idp);
        var deviceCode = device.GetProperty("device_code").GetString()!;

        var (pendingStatus, pending) = await PollAsync(http, idp, deviceCode);
        var login = await browser.GetAsync(new Uri(device.GetProperty("verification_uri_complete").GetString()!));
        var consent = await browser.FollowAsync(await browser.SubmitAsync(login, ("username", "demo"), ("password", "demo-password")));
        var consentHtml = await consent.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var done = await browser.FollowAsync(await browser.SubmitAsync(consent, ("decision", "allow")));
        var (status, tokens) = await PollAsync(http, idp, deviceCode);

        Assert.Equal(400, pendingStatus);
        Assert.Equal("authorization_pending", pending.GetProperty("error").GetString());
        Assert.Contains("mcp-device", consentHtml, StringComparison.Ordinal);
        Assert.Contains("id=\"device-approved\"", await done.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.True(status == 200, tokens.ToString());
        var validation = await OAuthRequests.ValidateAccessTokenAsync(http, idp, tokens.GetProperty("access_token").GetString()!, OAuthRequests.Resource);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.True(tokens.TryGetProperty("refresh_token", out _));
    }

    [Fact]
    public async Task Denied_device_gets_access_denied()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        using var browser = new Browser(idp.Issuer);
        var device = await StartAsync(http, idp);

        var login = await browser.GetAsync(new Uri(device.GetProperty("verification_uri_complete").GetString()!));
        var consent = await browser.FollowAsync(await browser.SubmitAsync(login, ("username", "demo"), ("password", "demo-password")));
        var done = await browser.FollowAsync(await browser.SubmitAsync(consent, ("decision", "deny")));
        var (status, body) = await PollAsync(http, idp, device.GetProperty("device_code").GetString()!);

        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal(400, status);
        Assert.Equal("access_denied", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Verification_page_without_a_code_asks_for_one()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        var device = await StartAsync(http, idp);

        var html = await http.GetStringAsync(new Uri(device.GetProperty("verification_uri").GetString()!), TestContext.Current.CancellationToken);

        Assert.Contains("name=\"user_code\"", html, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> StartAsync(HttpClient http, DevIdentityServer idp)
    {
        using var response = await http.PostAsync(idp.DeviceAuthorizationEndpoint, new FormUrlEncodedContent(
            [new("client_id", "mcp-device"), new("scope", "openid offline_access mcp:tools"), new("resource", OAuthRequests.Resource)]), TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body;
    }

    private static Task<(int Status, JsonElement Body)> PollAsync(HttpClient http, DevIdentityServer idp, string deviceCode) =>
        OAuthRequests.TokenAsync(http, idp, [new("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), new("device_code", deviceCode), new("client_id", "mcp-device"), new("resource", OAuthRequests.Resource)]);
}
