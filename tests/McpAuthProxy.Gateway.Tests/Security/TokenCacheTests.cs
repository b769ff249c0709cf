using System.Net;
using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security;

/// <summary>A token that passed is remembered (token_validation.cache_seconds), but never past its exp or a change of the issuer's keys.</summary>
public sealed class TokenCacheTests : IAsyncLifetime
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
        // An hour of cache: anything these tests see change within seconds was decided by a new check, not by time.
        _gateway = await GatewayFixture.StartGatewayAsync($"""
            base_url: "{_upstream.BaseUrl.ToString().TrimEnd('/')}"
            transport_mode: streamable_http
            token_validation:
              cache_seconds: 3600
              clock_skew_seconds: 0
              jwks_refresh_seconds: 1
            protected_resource_metadata:
              authorization_servers: ["{_idp.Issuer}"]
              jwks_uri: "{_idp.Issuer}/jwks"
            """);
    }

    private async Task<HttpResponseMessage> InitializeWith(string token)
    {
        using var http = new HttpClient();
        return await http.SendAsync(Mcp.Post(McpUrl, Mcp.Initialize, token), Ct);
    }

    [Fact]
    public async Task A_remembered_token_is_refused_once_it_expires()
    {
        var expires = DateTime.UtcNow.AddSeconds(3);
        var token = _idp.Issue(McpUrl, notBefore: DateTime.UtcNow.AddMinutes(-1), expires: expires);
        Assert.Equal(HttpStatusCode.OK, (await InitializeWith(token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await InitializeWith(token)).StatusCode);

        await Task.Delay(expires.AddSeconds(1.5) - DateTime.UtcNow, Ct);
        var response = await InitializeWith(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("the token expired", Mcp.Challenge(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_remembered_token_is_checked_again_once_the_issuers_keys_change()
    {
        var old = _idp.Issue(McpUrl, subject: "before-rotation");
        Assert.Equal(HttpStatusCode.OK, (await InitializeWith(old)).StatusCode);

        // The issuer rotates and drops the old key; a token with the new kid makes the gateway fetch the keys again.
        var next = TestIdentityProvider.NewKey();
        _idp.RotateKey(next, dropOld: true);
        var rotated = _idp.Issue(McpUrl, subject: "after-rotation");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TestTimeouts.Default);
        while ((await InitializeWith(rotated)).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(200, timeout.Token);
        }

        var response = await InitializeWith(old);

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
