using System.Text.Json;
using McpAuthProxy.DevIdentity.Headless;
using McpAuthProxy.DevIdentity.Tests.Support;

namespace McpAuthProxy.DevIdentity.Tests.Headless;

public sealed class HeadlessSignInTests
{
    [Fact]
    public async Task Headless_sign_in_walks_the_forms_and_returns_a_redeemable_code()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        var pkce = Pkce.Create();

        var redirect = await HeadlessSignIn.AuthorizeAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Flows.Redirect, pkce, "hs"), "demo", "demo-password",
            cancellationToken: TestContext.Current.CancellationToken);
        var query = OAuthRequests.Query(redirect);
        var (status, _) = await OAuthRequests.TokenAsync(http, idp,
        [
            new("grant_type", "authorization_code"), new("code", query["code"]), new("redirect_uri", Flows.Redirect),
            new("client_id", "mcp-bridge"), new("code_verifier", pkce.Verifier), new("resource", OAuthRequests.Resource),
        ]);

        Assert.Equal("hs", query["state"]);
        Assert.Equal(idp.Issuer.AbsoluteUri, query["iss"]);
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Headless_sign_in_with_deny_returns_access_denied()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);

        var redirect = await HeadlessSignIn.AuthorizeAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Flows.Redirect, Pkce.Create(), "hs"), "demo", "demo-password",
            allow: false, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("access_denied", OAuthRequests.Query(redirect)["error"]);
    }

    [Fact]
    public async Task Headless_sign_in_with_a_wrong_password_throws()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HeadlessSignIn.AuthorizeAsync(
            OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Flows.Redirect, Pkce.Create(), "hs"), "demo", "nope", cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("refused the credentials", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Headless_sign_in_passes_through_auto_approve()
    {
        await using var idp = await DevIdentityServer.StartAsync(new() { AutoApprove = true }, TestContext.Current.CancellationToken);

        var redirect = await HeadlessSignIn.AuthorizeAsync(OAuthRequests.AuthorizeUrl(idp, "mcp-bridge", Flows.Redirect, Pkce.Create(), "auto"), "demo", "demo-password",
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(OAuthRequests.Query(redirect).ContainsKey("code"));
    }

    [Fact]
    public async Task Headless_device_approval_lets_the_device_redeem_its_code()
    {
        await using var idp = await DevIdentityServer.StartAsync(new(), TestContext.Current.CancellationToken);
        using var http = new HttpClient();
        using var started = await http.PostAsync(idp.DeviceAuthorizationEndpoint, new FormUrlEncodedContent(
            [new("client_id", "mcp-device"), new("scope", "mcp:tools")]), TestContext.Current.CancellationToken);
        var device = JsonDocument.Parse(await started.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        var approved = await HeadlessSignIn.ApproveDeviceAsync(new Uri(device.GetProperty("verification_uri_complete").GetString()!), "demo", "demo-password",
            cancellationToken: TestContext.Current.CancellationToken);
        var (status, _) = await OAuthRequests.TokenAsync(http, idp,
            [new("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), new("device_code", device.GetProperty("device_code").GetString()!), new("client_id", "mcp-device")]);

        Assert.True(approved);
        Assert.Equal(200, status);
    }
}
