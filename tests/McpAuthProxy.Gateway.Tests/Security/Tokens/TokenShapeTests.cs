using System.Net;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using McpAuthProxy.Gateway.Tests.Security.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.Gateway.Tests.Security.Tokens;

/// <summary>
/// Attack: a token the issuer really signed, or one that looks like it, used for what it is not: an ID token whose
/// audience the gateway accepts, a token whose header demands an extension the gateway ignores, a token carrying its own
/// verification key. (Forgeries of the signature itself, alg none and HS256 keyed with the public key, are in
/// Security/TokenValidationTests.)
/// </summary>
[Collection(nameof(SecurityCollection))]
public sealed class TokenShapeTests(SecurityFixture fixture)
{
    private async Task<Answer> InitializeWith(string token)
    {
        var gateway = await fixture.GatewayAsync("ts/http");
        var session = RawSession.Anonymous(gateway.McpUrl);
        return await session.AskAsync(Mcp.Initialize, request => request.Headers.Authorization = new("Bearer", token));
    }

    private string Issue(IDictionary<string, object>? claims = null, string? type = null, IDictionary<string, object>? header = null, SecurityKey? key = null) =>
        fixture.Idp.Issue(AttackTargets.Audience, "mallory", "mcp:tools mcp:admin", extraClaims: claims, tokenType: type, header: header, signingKey: key);

    [Fact]
    public async Task A_well_formed_access_token_passes()
    {
        Assert.Equal(HttpStatusCode.OK, (await InitializeWith(Issue(type: "at+jwt"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await InitializeWith(Issue(type: "JWT"))).Status);
    }

    [Theory]
    [InlineData("nonce")]
    [InlineData("at_hash")]
    [InlineData("c_hash")]
    public async Task An_id_token_is_not_an_access_token(string claim)
    {
        var answer = await InitializeWith(Issue(new Dictionary<string, object> { [claim] = "x" }, type: "JWT"));

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Contains("ID token", answer.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_critical_header_extension_is_refused()
    {
        var answer = await InitializeWith(Issue(type: "at+jwt", header: new Dictionary<string, object> { ["crit"] = new[] { "exp-ext" }, ["exp-ext"] = true }));

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Contains("crit", answer.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_carrying_its_own_key_in_jwk_or_jku_is_refused()
    {
        var mine = TestIdentityProvider.NewKey();
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(mine.Rsa.ExportParameters(false)) { KeyId = mine.KeyId });
        var embedded = new Dictionary<string, object>
        {
            ["jwk"] = new Dictionary<string, object> { ["kty"] = "RSA", ["n"] = jwk.N, ["e"] = jwk.E, ["kid"] = mine.KeyId },
            ["jku"] = fixture.Idp.Issuer + "/attacker-jwks",
        };

        var answer = await InitializeWith(Issue(type: "at+jwt", header: embedded, key: mine));

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
    }

    [Fact]
    public async Task With_require_at_jwt_a_token_not_typed_at_jwt_is_refused()
    {
        await using var gateway = await AttackedGateway.StartAsync("ts/http", fixture.Idp, tokenValidation: "require_at_jwt: true");
        var session = RawSession.Anonymous(gateway.McpUrl);

        var untyped = await session.AskAsync(Mcp.Initialize, request => request.Headers.Authorization = new("Bearer", Issue(type: "JWT")));
        var typed = await session.AskAsync(Mcp.Initialize, request => request.Headers.Authorization = new("Bearer", Issue(type: "at+jwt")));

        Assert.Equal(HttpStatusCode.Unauthorized, untyped.Status);
        Assert.Contains("at+jwt", untyped.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, typed.Status);
    }
}
