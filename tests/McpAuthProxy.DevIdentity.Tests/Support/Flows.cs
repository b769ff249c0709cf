using System.Text.Json;

namespace McpAuthProxy.DevIdentity.Tests.Support;

/// <summary>Whole flows used as the arrange step of other tests.</summary>
internal static class Flows
{
    public const string Redirect = "http://127.0.0.1:53682/callback";

    /// <summary>Auto-approved code flow for the bridge client, redeemed with the resource: the token response.</summary>
    public static async Task<JsonElement> SignInAsync(HttpClient http, DevIdentityServer idp, string clientId = "mcp-bridge", string scope = "openid offline_access mcp:tools")
    {
        using var browser = new Browser(idp.Issuer);
        var pkce = Pkce.Create();
        var response = await browser.GetAsync(OAuthRequests.AuthorizeUrl(idp, clientId, Redirect, pkce, "st", scope));
        var code = OAuthRequests.Query(response.Headers.Location!)["code"];
        var (status, body) = await OAuthRequests.TokenAsync(http, idp,
        [
            new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", Redirect),
            new("client_id", clientId), new("code_verifier", pkce.Verifier), new("resource", OAuthRequests.Resource),
        ]);
        Assert.Equal(200, status);
        return body;
    }

    public static Task<(int Status, JsonElement Body)> RefreshAsync(HttpClient http, DevIdentityServer idp, string refreshToken, string clientId = "mcp-bridge") =>
        OAuthRequests.TokenAsync(http, idp, [new("grant_type", "refresh_token"), new("refresh_token", refreshToken), new("client_id", clientId)]);
}
