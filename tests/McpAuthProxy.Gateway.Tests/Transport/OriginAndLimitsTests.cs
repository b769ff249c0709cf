using System.Net;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Transport;

[Collection(nameof(GatewayCollection))]
public sealed class OriginAndLimitsTests(GatewayFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Request_from_a_disallowed_origin_gets_403_even_with_a_good_token()
    {
        using var http = fixture.Http();

        var response = await http.SendAsync(Mcp.Post(fixture.McpUrl, Mcp.Initialize, fixture.Token(), origin: "https://evil.example.com"), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Request_from_an_allowed_origin_gets_cors_headers_exposing_session_id_and_challenge()
    {
        using var http = fixture.Http();

        var response = await http.SendAsync(Mcp.Post(fixture.McpUrl, Mcp.Initialize, fixture.Token(), origin: "http://localhost:6274"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("http://localhost:6274", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var exposed = response.Headers.GetValues("Access-Control-Expose-Headers").Single();
        Assert.Contains("Mcp-Session-Id", exposed, StringComparison.Ordinal);
        Assert.Contains("WWW-Authenticate", exposed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preflight_from_an_allowed_origin_allows_the_mcp_headers()
    {
        using var http = fixture.Http();
        var request = new HttpRequestMessage(HttpMethod.Options, fixture.McpUrl);
        request.Headers.Add("Origin", "http://localhost:6274");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type, mcp-session-id, mcp-param-region");

        var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var allowed = response.Headers.GetValues("Access-Control-Allow-Headers").Single();
        foreach (var header in new[] { "Mcp-Session-Id", "MCP-Protocol-Version", "Mcp-Method", "Mcp-Name", "Authorization", "mcp-param-region" })
        {
            Assert.Contains(header, allowed, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Preflight_from_a_disallowed_origin_gets_403()
    {
        using var http = fixture.Http();
        var request = new HttpRequestMessage(HttpMethod.Options, fixture.McpUrl);
        request.Headers.Add("Origin", "http://attacker.localhost:9999");
        request.Headers.Add("Access-Control-Request-Method", "POST");

        var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Body_larger_than_max_body_bytes_gets_413()
    {
        using var http = fixture.Http();
        var huge = Mcp.ToolCall("echo", arguments: $$"""{"message":"{{new string('x', 70_000)}}"}""");

        var response = await http.SendAsync(Mcp.Post(fixture.McpUrl, huge, fixture.Token()), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Chunked_body_larger_than_max_body_bytes_gets_413()
    {
        using var http = fixture.Http();
        var request = Mcp.Post(fixture.McpUrl, "", fixture.Token());
        request.Content = new StreamContent(new MemoryStream(new byte[100_000]));
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TransferEncodingChunked = true;

        var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Body_that_is_not_json_rpc_gets_400_after_authentication()
    {
        using var http = fixture.Http();

        var unauthenticated = await http.SendAsync(Mcp.Post(fixture.McpUrl, "{not json"), Ct);
        var authenticated = await http.SendAsync(Mcp.Post(fixture.McpUrl, "{not json", fixture.Token()), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, authenticated.StatusCode);
    }

    [Theory]
    [InlineData("/messages?sessionId=abc")]
    [InlineData("/messages/?session_id=abc")]
    [InlineData("/sse")]
    public async Task Legacy_routes_of_open_mcp_auth_proxy_need_a_token(string path)
    {
        using var http = fixture.Http();
        var request = path.StartsWith("/sse", StringComparison.Ordinal)
            ? new HttpRequestMessage(HttpMethod.Get, path)
            : Mcp.Post(new Uri(fixture.Gateway.BaseUrl, path).ToString(), Mcp.ToolCall("echo"));

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Get_and_delete_without_token_get_401_too()
    {
        using var http = fixture.Http();

        var get = await http.GetAsync(fixture.McpUrl, Ct);
        var delete = await http.DeleteAsync(fixture.McpUrl, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, delete.StatusCode);
    }
}
