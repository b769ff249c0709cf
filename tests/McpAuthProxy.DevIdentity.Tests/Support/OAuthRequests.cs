using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using McpAuthProxy.DevIdentity.Tests.Support;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.DevIdentity.Tests;

/// <summary>Small OAuth client helpers over a plain HttpClient.</summary>
internal static class OAuthRequests
{
    public const string Resource = "http://127.0.0.1:9/mcp";

    public static Uri AuthorizeUrl(DevIdentityServer idp, string clientId, string redirectUri, Pkce pkce, string state, string scope = "openid offline_access mcp:tools", string? resource = Resource)
    {
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["scope"] = scope,
            ["state"] = state,
            ["code_challenge"] = pkce.Challenge,
            ["code_challenge_method"] = "S256",
        };
        if (resource is not null)
        {
            query["resource"] = resource;
        }

        return new Uri(QueryHelpers.AddQueryString(idp.AuthorizationEndpoint.AbsoluteUri, query));
    }

    public static IDictionary<string, string> Query(Uri uri) =>
        QueryHelpers.ParseQuery(uri.Query).ToDictionary(kv => kv.Key, kv => kv.Value.ToString());

    public static async Task<(int Status, JsonElement Body)> TokenAsync(HttpClient http, DevIdentityServer idp, IEnumerable<KeyValuePair<string, string>> form, (string Id, string Secret)? basic = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, idp.TokenEndpoint) { Content = new FormUrlEncodedContent(form) };
        if (basic is { } credentials)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(credentials.Id) + ":" + Uri.EscapeDataString(credentials.Secret))));
        }

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var json = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, JsonDocument.Parse(json).RootElement.Clone());
    }

    public static async Task<TokenValidationResult> ValidateAccessTokenAsync(HttpClient http, DevIdentityServer idp, string token, string audience)
    {
        var jwks = new JsonWebKeySet(await http.GetStringAsync(idp.JwksUri, TestContext.Current.CancellationToken));
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = idp.Issuer.AbsoluteUri,
            ValidAudience = audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidTypes = ["at+jwt"],
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        });
    }

    /// <summary>
    /// The OAuth error of an authorization response: from the redirect when the redirect URI was already trusted,
    /// else from the page OpenIddict answers with directly (it never redirects to an unverified URI).
    /// </summary>
    public static async Task<string?> AuthorizationErrorAsync(HttpResponseMessage response)
    {
        if (response.Headers.Location is { } location)
        {
            return Query(location).TryGetValue("error", out var error) ? error : null;
        }

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return body.Split('\n').FirstOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal))?["error:".Length..].Trim();
    }

    public static string Scope(JsonWebToken token) => token.GetPayloadValue<string>("scope");
}
