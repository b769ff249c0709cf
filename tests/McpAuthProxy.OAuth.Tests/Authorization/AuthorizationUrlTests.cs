using McpAuthProxy.OAuth.Authorization;

namespace McpAuthProxy.OAuth.Tests.Authorization;

public sealed class AuthorizationUrlTests
{
    [Fact]
    public void Parameters_are_appended_to_an_endpoint_that_already_has_a_query()
    {
        var url = AuthorizationUrl.Build("https://idp.example.com/authorize?tenant=a", [new("scope", "openid profile"), new("nonce", null)]);

        Assert.Equal("https://idp.example.com/authorize?tenant=a&scope=openid%20profile", url.AbsoluteUri);
    }

    [Theory]
    [InlineData("https://idp.example.com/authorize")]
    [InlineData("http://127.0.0.1:8080/authorize")]
    [InlineData("http://localhost/authorize")]
    public void Https_or_loopback_http_is_allowed(string url) => AuthorizationUrl.EnsureSafe(new Uri(url));

    [Theory]
    [InlineData("http://idp.example.com/authorize")]
    [InlineData("javascript:alert(1)")]
    [InlineData("file:///etc/passwd")]
    [InlineData("data:text/html,hi")]
    public void Other_urls_never_reach_a_browser(string url) =>
        Assert.Throws<OAuthException>(() => AuthorizationUrl.EnsureSafe(new Uri(url)));

    [Fact]
    public void Pkce_verifier_is_43_to_128_characters_and_the_challenge_its_s256()
    {
        var pkce = Pkce.Create();

        Assert.InRange(pkce.Verifier.Length, 43, 128);
        Assert.Equal(Pkce.Base64Url(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(pkce.Verifier))), pkce.Challenge);
    }

    [Fact]
    public void Browser_variable_lists_programs_and_takes_a_placeholder()
    {
        Environment.SetEnvironmentVariable("BROWSER", "first --new-tab %s:second");
        try
        {
            var candidates = BrowserLauncher.Candidates("https://x/").Take(2).ToList();

            Assert.Equal("first", candidates[0].Program);
            Assert.Equal(["--new-tab", "https://x/"], candidates[0].Arguments);
            Assert.Equal("second", candidates[1].Program);
            Assert.Equal(["https://x/"], candidates[1].Arguments);
        }
        finally
        {
            Environment.SetEnvironmentVariable("BROWSER", null);
        }
    }
}
