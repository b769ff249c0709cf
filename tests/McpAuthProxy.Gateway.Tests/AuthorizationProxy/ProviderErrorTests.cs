using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.AuthorizationProxy;

/// <summary>
/// A provider that is down, hangs or answers garbage: the MCP client gets an OAuth error it can show
/// (<c>temporarily_unavailable</c>, <c>server_error</c>) within the timeout, and the log names the provider's URL.
/// </summary>
public sealed class ProviderErrorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Provider_that_is_down_sends_the_client_temporarily_unavailable_and_is_named_in_the_log()
    {
        var down = $"http://127.0.0.1:{ClosedPort()}";
        await using var front = await FrontGateway.StartAsync(issuer: down, extraYaml: $"token_validation: {{ issuer: \"{down}\" }}");
        var clientId = await front.RegisterAsync();
        using var browser = front.NewBrowser();

        using var answer = await browser.GetAsync(front.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge));

        Assert.Equal(HttpStatusCode.Found, answer.StatusCode);
        Assert.Equal("temporarily_unavailable", FrontGateway.Query(answer.Headers.Location!, "error"));
        Assert.Equal("client-state", FrontGateway.Query(answer.Headers.Location!, "state"));
        Assert.Contains(front.Logs.Entries, e => e.Message.Contains(down + "/.well-known/openid-configuration", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(TokenEndpointBehavior.Garbage, "server_error")]
    [InlineData(TokenEndpointBehavior.Unavailable, "temporarily_unavailable")]
    public async Task Provider_failing_the_code_exchange_sends_the_client_an_oauth_error(TokenEndpointBehavior behavior, string error)
    {
        await using var front = await FrontGateway.StartAsync();
        front.Idp.TokenBehavior = behavior;
        var clientId = await front.RegisterAsync();
        using var browser = front.NewBrowser();
        using var page = await browser.GetAsync(front.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge));
        using var approved = await browser.PostConsentAsync(await FrontGateway.ConsentForm.ReadAsync(page), "allow");
        using var atProvider = await browser.FollowAsync(approved);

        using var callback = await browser.FollowAsync(atProvider);

        Assert.StartsWith("http://127.0.0.1:33418/callback?", callback.Headers.Location!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Equal(error, FrontGateway.Query(callback.Headers.Location, "error"));
        Assert.Null(FrontGateway.Query(callback.Headers.Location, "code"));
        Assert.Contains(front.Logs.Entries, e => e.Message.Contains(front.Idp.Issuer + "/token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Provider_that_hangs_is_given_up_after_the_timeout()
    {
        await using var front = await FrontGateway.StartAsync("  provider_timeout_seconds: 1");
        front.Idp.TokenBehavior = TokenEndpointBehavior.Hang;
        var clientId = await front.RegisterAsync();
        using var browser = front.NewBrowser();
        using var page = await browser.GetAsync(front.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", FrontGateway.NewPkce().Challenge));
        using var approved = await browser.PostConsentAsync(await FrontGateway.ConsentForm.ReadAsync(page), "allow");
        using var atProvider = await browser.FollowAsync(approved);
        var clock = Stopwatch.StartNew();

        using var callback = await browser.FollowAsync(atProvider);

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.Equal("temporarily_unavailable", FrontGateway.Query(callback.Headers.Location!, "error"));
        Assert.Contains(front.Logs.Entries, e => e.Message.Contains("no answer within 1 s", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(TokenEndpointBehavior.Unavailable, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable")]
    [InlineData(TokenEndpointBehavior.Garbage, HttpStatusCode.BadGateway, "server_error")]
    public async Task Refresh_at_a_failing_provider_is_an_oauth_error_response(TokenEndpointBehavior behavior, HttpStatusCode status, string error)
    {
        await using var front = await FrontGateway.StartAsync();
        var clientId = await front.RegisterAsync();
        using var browser = front.NewBrowser();
        var (code, verifier, redirect) = await front.SignInAsync(browser, clientId);
        using var tokens = await front.TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["client_id"] = clientId, ["code"] = code, ["code_verifier"] = verifier, ["redirect_uri"] = redirect,
        });
        var refresh = JsonDocument.Parse(await tokens.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("refresh_token").GetString()!;
        front.Idp.TokenBehavior = behavior;

        using var answer = await front.TokenAsync(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["client_id"] = clientId, ["refresh_token"] = refresh });

        Assert.Equal(status, answer.StatusCode);
        Assert.Equal(error, JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString());
    }
}
