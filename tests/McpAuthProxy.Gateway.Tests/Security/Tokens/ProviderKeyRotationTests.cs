using System.Net;
using McpAuthProxy.Gateway.Authentication;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace McpAuthProxy.Gateway.Tests.Security.Tokens;

/// <summary>
/// The identity provider (oidc-provider from npm, a real one) rotates its signing key: the very first request carrying
/// a token with the new key is served, a burst of them costs one fetch of the keys, and a key the provider drops stops
/// working. Default settings (jwks_refresh_seconds 60, cache_seconds 60).
/// </summary>
public sealed class ProviderKeyRotationTests : IAsyncLifetime
{
    private OidcGateway _stack = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _stack = await OidcGateway.StartAsync();

    private IssuerKeys Keys => _stack.Gateway.Services.GetRequiredService<IssuerKeys>();

    private Task<string> TokenAsync() => _stack.Idp.ClientCredentialsTokenAsync(_stack.McpUrl, "mcp:tools");

    private async Task<HttpStatusCode> InitializeWith(string token)
    {
        using var http = new HttpClient();
        using var response = await http.SendAsync(Mcp.Post(_stack.McpUrl, Mcp.Initialize, token), Ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task The_very_first_request_with_the_rotated_key_is_served_after_one_fetch_of_the_keys()
    {
        Assert.Equal(HttpStatusCode.OK, await InitializeWith(await TokenAsync()));
        var fetches = Keys.Fetches;

        var kid = await _stack.Idp.RotateKeyAsync();
        var rotated = await TokenAsync();

        Assert.Equal(kid, new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(rotated).Kid);
        Assert.Equal(HttpStatusCode.OK, await InitializeWith(rotated));
        Assert.Equal(fetches + 1, Keys.Fetches);
    }

    [Fact]
    public async Task A_burst_of_first_requests_with_the_rotated_key_shares_one_fetch()
    {
        Assert.Equal(HttpStatusCode.OK, await InitializeWith(await TokenAsync()));
        var fetches = Keys.Fetches;
        await _stack.Idp.RotateKeyAsync();
        var tokens = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => TokenAsync()));

        var statuses = await Task.WhenAll(tokens.Select(InitializeWith));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(fetches + 1, Keys.Fetches);
    }

    [Fact]
    public async Task A_key_the_provider_drops_is_refused_once_the_keys_are_fetched_again()
    {
        var old = await TokenAsync();
        Assert.Equal(HttpStatusCode.OK, await InitializeWith(old));

        await _stack.Idp.RotateKeyAsync(dropOld: true);
        Assert.Equal(HttpStatusCode.OK, await InitializeWith(await TokenAsync()));

        Assert.Equal(HttpStatusCode.Unauthorized, await InitializeWith(old));
    }

    public async ValueTask DisposeAsync() => await _stack.DisposeAsync();
}
