using System.Net;
using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security;

/// <summary>
/// The issuer's keys change, and tokens follow: an unknown kid is fetched (rate-limited), a dropped key is refused, and a
/// token the gateway remembers (token_validation.cache_seconds, an hour here, so that what changes within seconds was
/// decided by a new check) is checked again when the keys change, and never outlives its exp.
/// </summary>
public sealed class KeyRotationTests : IAsyncLifetime
{
    private TestIdentityProvider _idp = null!;
    private McpUpstreamServer _upstream = null!;
    private GatewayHost _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string McpUrl => _gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp";

    public async ValueTask InitializeAsync()
    {
        _idp = await TestIdentityProvider.StartAsync();
        _upstream = await McpUpstreamServer.StartAsync();
        _gateway = await GatewayFixture.StartGatewayAsync($"""
            base_url: "{_upstream.BaseUrl.ToString().TrimEnd('/')}"
            transport_mode: streamable_http
            token_validation:
              jwks_refresh_seconds: 1
              cache_seconds: 3600
              clock_skew_seconds: 0
            protected_resource_metadata:
              authorization_servers: ["{_idp.Issuer}"]
              jwks_uri: "{_idp.Issuer}/jwks"
            """);
    }

    private async Task<HttpStatusCode> InitializeWith(string token) => (await SendInitialize(token)).StatusCode;

    private async Task<HttpResponseMessage> SendInitialize(string token)
    {
        using var http = new HttpClient();
        return await http.SendAsync(Mcp.Post(McpUrl, Mcp.Initialize, token), Ct);
    }

    [Fact]
    public async Task Unknown_kid_is_refused_then_accepted_once_the_issuer_publishes_the_rotated_key()
    {
        Assert.Equal(HttpStatusCode.OK, await InitializeWith(_idp.Issue(McpUrl)));
        var next = TestIdentityProvider.NewKey();
        var early = _idp.Issue(McpUrl, signingKey: next);
        Assert.Equal(HttpStatusCode.Unauthorized, await InitializeWith(early));

        _idp.RotateKey(next, dropOld: true);
        var rotated = _idp.Issue(McpUrl);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TestTimeouts.Default);
        var status = HttpStatusCode.Unauthorized;
        while (status != HttpStatusCode.OK)
        {
            timeout.Token.ThrowIfCancellationRequested();
            status = await InitializeWith(rotated);
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task A_burst_of_unknown_kids_refetches_the_jwks_at_most_once_per_refresh_interval()
    {
        Assert.Equal(HttpStatusCode.OK, await InitializeWith(_idp.Issue(McpUrl)));
        var unknown = TestIdentityProvider.NewKey();
        var fetchesBefore = _idp.JwksFetches;
        var started = DateTime.UtcNow;

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await InitializeWith(_idp.Issue(McpUrl, subject: $"burst-{i}", signingKey: unknown)));
        }

        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        Assert.InRange(_idp.JwksFetches - fetchesBefore, 0, 2 + (int)Math.Ceiling(seconds));
    }

    [Fact]
    public async Task A_remembered_token_is_refused_once_it_expires()
    {
        // Long enough that the two first calls end before it even on a loaded machine (the first one starts the
        // upstream session and JITs the path); the cache must then not outlive it.
        var expires = DateTime.UtcNow.AddSeconds(10);
        var token = _idp.Issue(McpUrl, notBefore: DateTime.UtcNow.AddMinutes(-1), expires: expires);
        Assert.Equal(HttpStatusCode.OK, await InitializeWith(token));
        Assert.Equal(HttpStatusCode.OK, await InitializeWith(token));

        await Task.Delay(expires.AddSeconds(1.5) - DateTime.UtcNow, Ct);
        var response = await SendInitialize(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("the token expired", Mcp.Challenge(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_remembered_token_is_checked_again_once_the_issuers_keys_change()
    {
        var old = _idp.Issue(McpUrl, subject: "before-rotation");
        Assert.Equal(HttpStatusCode.OK, await InitializeWith(old));

        // The issuer rotates and drops the old key; a token with the new kid makes the gateway fetch the keys again.
        var next = TestIdentityProvider.NewKey();
        _idp.RotateKey(next, dropOld: true);
        var rotated = _idp.Issue(McpUrl, subject: "after-rotation");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TestTimeouts.Default);
        while (await InitializeWith(rotated) != HttpStatusCode.OK)
        {
            await Task.Delay(200, timeout.Token);
        }

        var response = await SendInitialize(old);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("the token's signing key is unknown", Mcp.Challenge(response), StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        await _idp.DisposeAsync();
    }
}
