using System.Net;
using System.Text.Json;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using ModelContextProtocol;

namespace McpAuthProxy.Gateway.Tests.Security;

[Collection(nameof(GatewayCollection))]
public sealed class ScopeAndSessionTests(GatewayFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Client_with_a_good_token_calls_a_tool_through_the_gateway()
    {
        await using var client = await fixture.ConnectAsync(fixture.Token("mcp:tools"));

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "through" }, cancellationToken: Ct);

        Assert.Equal("Echo: through", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task Tool_needing_a_scope_the_token_lacks_gets_403_insufficient_scope_with_the_needed_scopes()
    {
        using var http = fixture.Http();

        var response = await http.SendAsync(Mcp.Post(fixture.McpUrl, Mcp.ToolCall("admin_reset", id: 42), fixture.Token("mcp:tools")), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var challenge = Mcp.Challenge(response);
        Assert.Contains("error=\"insufficient_scope\"", challenge, StringComparison.Ordinal);
        Assert.Contains("scope=\"mcp:tools mcp:admin\"", challenge, StringComparison.Ordinal);
        Assert.Contains("resource_metadata=\"", challenge, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(42, body.RootElement.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Sdk_client_sees_a_tool_call_refused_when_its_token_lacks_the_tools_scope()
    {
        await using var client = await fixture.ConnectAsync(fixture.Token("mcp:tools"));

        await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("admin_reset", cancellationToken: Ct).AsTask());
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "still works" }, cancellationToken: Ct);
        Assert.NotEqual(true, echo.IsError);
    }

    [Fact]
    public async Task Token_holding_every_scope_of_a_tool_may_call_it()
    {
        await using var client = await fixture.ConnectAsync(fixture.Token("mcp:admin mcp:tools"));

        var result = await client.CallToolAsync("admin_reset", cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
    }

    [Fact]
    public async Task Tools_list_shows_only_the_tools_the_caller_may_call_and_unlisted_tools_to_everyone()
    {
        await using var limited = await fixture.ConnectAsync(fixture.Token("mcp:tools"));
        await using var admin = await fixture.ConnectAsync(fixture.Token("mcp:tools mcp:admin"));
        await using var none = await fixture.ConnectAsync(fixture.Token(scope: null));

        var limitedTools = (await limited.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).Order().ToList();
        var adminTools = (await admin.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).Order().ToList();
        var noTools = (await none.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).ToList();

        Assert.Equal(["add", "echo", "slow"], limitedTools);
        Assert.Equal(["add", "admin_reset", "echo", "slow"], adminTools);
        Assert.Equal(["slow"], noTools);
    }

    [Fact]
    public async Task Scopes_are_read_from_an_scp_claim_too()
    {
        var token = fixture.Idp.Issue(fixture.Resource, scope: null, subject: "entra-user");
        using var http = fixture.Http();
        var scpToken = IssueWithScp(fixture, "mcp:tools");

        var refused = await http.SendAsync(Mcp.Post(fixture.McpUrl, Mcp.ToolCall("echo"), token), Ct);
        var allowed = await http.SendAsync(Mcp.Post(fixture.McpUrl, Mcp.ToolCall("echo"), scpToken), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, allowed.StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, allowed.StatusCode);
    }

    private static string IssueWithScp(GatewayFixture fixture, string scp)
    {
        var handler = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler();
        return handler.CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = fixture.Idp.Issuer,
            Audience = fixture.Resource,
            Expires = DateTime.UtcNow.AddMinutes(10),
            Claims = new Dictionary<string, object> { ["sub"] = "entra-user", ["scp"] = scp },
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(
                fixture.Idp.Keys.Current, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.RsaSha256),
        });
    }

    [Fact]
    public async Task Batch_is_refused_when_one_of_its_messages_needs_a_scope_the_token_lacks()
    {
        using var http = fixture.Http();
        var batch = $"[{Mcp.ToolCall("echo", id: 1)},{Mcp.ToolCall("admin_reset", id: 2)}]";

        var response = await http.SendAsync(Mcp.Post(fixture.McpUrl, batch, fixture.Token("mcp:tools")), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("mcp:admin", Mcp.Challenge(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_id_replayed_by_another_subject_is_refused()
    {
        await using var alice = await fixture.ConnectAsync(fixture.Token("mcp:tools", subject: "alice-session"));
        var sessionId = alice.SessionId;
        Assert.False(string.IsNullOrEmpty(sessionId));
        using var http = fixture.Http();

        var stolen = await http.SendAsync(Mcp.Post(fixture.McpUrl, Mcp.ToolCall("echo", id: 9), fixture.Token("mcp:tools", subject: "bob"), sessionId), Ct);
        var own = await http.SendAsync(Mcp.Post(fixture.McpUrl, Mcp.ToolCall("echo", id: 10), fixture.Token("mcp:tools", subject: "alice-session"), sessionId), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, stolen.StatusCode);
        using var body = JsonDocument.Parse(await stolen.Content.ReadAsStringAsync(Ct));
        Assert.Equal(9, body.RootElement.GetProperty("id").GetInt32());
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task Callers_token_never_reaches_the_upstream_but_the_configured_upstream_credential_does()
    {
        var token = fixture.Token("mcp:tools", subject: "no-passthrough");
        var before = fixture.Upstream.SeenAuthorization.Count;
        await using (var client = await fixture.ConnectAsync(token))
        {
            await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "x" }, cancellationToken: Ct);
        }

        var seen = fixture.Upstream.SeenAuthorization.Skip(before).ToList();
        Assert.NotEmpty(seen);
        Assert.All(seen, Assert.Null);
        Assert.All(fixture.Upstream.SeenApiKey.Skip(before), v => Assert.Equal("upstream-secret", v));
    }

    [Fact]
    public async Task Mcp_method_header_that_disagrees_with_the_body_gets_400_header_mismatch()
    {
        using var http = fixture.Http();
        var request = Mcp.Post(fixture.McpUrl, Mcp.ToolCall("echo", id: 5), fixture.Token("mcp:tools"));
        request.Headers.Add("Mcp-Method", "tools/list");

        var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(-32020, body.RootElement.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(5, body.RootElement.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Mcp_name_header_that_names_another_tool_gets_400_header_mismatch()
    {
        using var http = fixture.Http();
        var request = Mcp.Post(fixture.McpUrl, Mcp.ToolCall("admin_reset", id: 6), fixture.Token("mcp:tools mcp:admin"));
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", "=?base64?ZWNobw==?=");
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");

        var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("-32020", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }
}
