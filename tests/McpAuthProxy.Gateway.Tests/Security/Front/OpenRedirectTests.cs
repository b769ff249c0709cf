using System.Net;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security.Front;

/// <summary>
/// Attack (the OAuth front): register a client whose redirect URI is a site of one's own, then hand out a broken
/// /authorize link on the gateway's origin: the error must not send the user on to that site (RFC 9700 section 4.11).
/// </summary>
public sealed class OpenRedirectTests
{
    [Theory]
    [InlineData("response_type=code", "response_type=token")]
    [InlineData("code_challenge_method=S256", "code_challenge_method=plain")]
    [InlineData("&resource=", "&resource=https%3A%2F%2Fother.example%2Fmcp&x=")]
    public async Task An_authorize_error_for_an_https_redirect_uri_is_a_page_not_a_redirect(string from, string to)
    {
        await using var front = await FrontGateway.StartAsync();
        var clientId = await front.RegisterAsync("https://attacker.example/landing");
        using var browser = front.NewBrowser();
        var (_, challenge) = FrontGateway.NewPkce();

        using var response = await browser.GetAsync(front.AuthorizeUrl(clientId, "https://attacker.example/landing", challenge).Replace(from, to, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("text/html", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authorize_error_for_a_loopback_redirect_uri_still_goes_back_to_the_native_client()
    {
        await using var front = await FrontGateway.StartAsync();
        var clientId = await front.RegisterAsync("http://127.0.0.1:33418/callback");
        using var browser = front.NewBrowser();
        var (_, challenge) = FrontGateway.NewPkce();

        using var response = await browser.GetAsync(front.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", challenge).Replace("response_type=code", "response_type=token", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("unsupported_response_type", FrontGateway.Query(response.Headers.Location!, "error"));
    }
}
