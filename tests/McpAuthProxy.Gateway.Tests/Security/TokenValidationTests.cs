using System.Net;
using System.Text.Json;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security;

[Collection(nameof(GatewayCollection))]
public sealed class TokenValidationTests(GatewayFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> InitializeWith(string? token, string? protocolVersion = null)
    {
        using var http = fixture.Http();
        var request = Mcp.Post(fixture.McpUrl, Mcp.Initialize, token);
        if (protocolVersion is not null)
        {
            request.Headers.Add("MCP-Protocol-Version", protocolVersion);
        }

        return await http.SendAsync(request, Ct);
    }

    private static async Task AssertInvalidToken(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Mcp.Challenge(response);
        Assert.Contains("error=\"invalid_token\"", challenge, StringComparison.Ordinal);
        Assert.Contains("resource_metadata=\"", challenge, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1, body.RootElement.GetProperty("id").GetInt32());
        Assert.Equal(-32001, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Request_without_token_gets_401_with_resource_metadata_and_no_error_code()
    {
        var response = await InitializeWith(null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Mcp.Challenge(response);
        Assert.StartsWith("Bearer ", challenge, StringComparison.Ordinal);
        Assert.Contains($"resource_metadata=\"{fixture.Gateway.BaseUrl.ToString().TrimEnd('/')}/.well-known/oauth-protected-resource/mcp\"", challenge, StringComparison.Ordinal);
        Assert.DoesNotContain("error=", challenge, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1, body.RootElement.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Request_without_token_for_a_scoped_tool_names_that_scope_in_the_challenge()
    {
        using var http = fixture.Http();

        var response = await http.SendAsync(Mcp.Post(fixture.McpUrl, Mcp.ToolCall("admin_reset")), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("scope=\"mcp:tools mcp:admin\"", Mcp.Challenge(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_token_gets_401_invalid_token() => await AssertInvalidToken(await InitializeWith("not-a-jwt"));

    [Fact]
    public async Task Unsigned_alg_none_token_is_rejected() =>
        await AssertInvalidToken(await InitializeWith(fixture.Idp.IssueUnsigned(fixture.Resource, scope: "mcp:tools mcp:admin")));

    [Fact]
    public async Task Hmac_token_keyed_with_the_issuers_public_key_is_rejected() =>
        await AssertInvalidToken(await InitializeWith(fixture.Idp.IssueHmacWithPublicKey(fixture.Resource, scope: "mcp:tools mcp:admin")));

    [Fact]
    public async Task Token_from_another_issuer_is_rejected() =>
        await AssertInvalidToken(await InitializeWith(fixture.Idp.Issue(fixture.Resource, issuer: "https://evil.example.com")));

    [Fact]
    public async Task Token_for_another_audience_is_rejected() =>
        await AssertInvalidToken(await InitializeWith(fixture.Idp.Issue("https://other-server.example.com/mcp")));

    [Fact]
    public async Task Token_for_another_audience_is_rejected_even_when_the_client_claims_protocol_2025_03_26() =>
        await AssertInvalidToken(await InitializeWith(fixture.Idp.Issue("https://other-server.example.com/mcp"), protocolVersion: "2025-03-26"));

    [Fact]
    public async Task Expired_token_is_rejected_beyond_the_clock_skew() =>
        await AssertInvalidToken(await InitializeWith(fixture.Idp.Issue(fixture.Resource,
            notBefore: DateTime.UtcNow.AddHours(-1), expires: DateTime.UtcNow.AddMinutes(-2))));

    [Fact]
    public async Task Token_expired_within_the_clock_skew_is_accepted()
    {
        var response = await InitializeWith(fixture.Idp.Issue(fixture.Resource, notBefore: DateTime.UtcNow.AddHours(-1), expires: DateTime.UtcNow.AddSeconds(-20)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Token_not_yet_valid_is_rejected() =>
        await AssertInvalidToken(await InitializeWith(fixture.Idp.Issue(fixture.Resource,
            notBefore: DateTime.UtcNow.AddMinutes(10), expires: DateTime.UtcNow.AddMinutes(70))));

    [Fact]
    public async Task Token_without_expiry_is_rejected() =>
        await AssertInvalidToken(await InitializeWith(fixture.Idp.Issue(fixture.Resource, noExpiry: true)));

    [Fact]
    public async Task Token_signed_with_a_key_the_issuer_does_not_publish_is_rejected() =>
        await AssertInvalidToken(await InitializeWith(fixture.Idp.Issue(fixture.Resource, signingKey: TestIdentityProvider.NewKey())));

    [Fact]
    public async Task Valid_token_reaches_the_upstream()
    {
        var response = await InitializeWith(fixture.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.Contains("Mcp-Session-Id"));
    }

    [Fact]
    public async Task Tokens_never_appear_in_the_logs()
    {
        var token = fixture.Token(subject: "log-check");
        await InitializeWith(token);
        await InitializeWith(token + "x");

        Assert.Contains(fixture.Logs.Entries, e => e.Message.Contains("subject=log-check", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Logs.Entries, e => e.Message.Contains(token, StringComparison.Ordinal) || e.Message.Contains(token[..40], StringComparison.Ordinal));
    }
}
