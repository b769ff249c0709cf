using System.Net;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Gateway.Tests.Transport;

[Collection(nameof(GatewayCollection))]
public sealed class ForwardingTests(GatewayFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Legacy_sse_client_gets_the_gateways_messages_endpoint_and_calls_a_tool_through_it()
    {
        var before = fixture.Upstream.Seen.Count;
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(fixture.Gateway.BaseUrl, "/sse"),
            TransportMode = HttpTransportMode.Sse,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {fixture.Token(subject: "legacy")}" },
        });
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2024-11-05" }, cancellationToken: Ct);

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "legacy" }, cancellationToken: Ct);

        Assert.Equal("Echo: legacy", Assert.IsType<TextContentBlock>(result.Content.First()).Text);
        var messages = fixture.Upstream.Seen.Skip(before).Where(s => s.Path.StartsWith("/messages", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.Equal("upstream-secret", m.Headers["X-Api-Key"]));
        Assert.All(messages, m => Assert.False(m.Headers.ContainsKey("Authorization")));
    }

    [Fact]
    public async Task Sse_events_larger_than_64_KiB_pass_through_the_legacy_rewriter_whole()
    {
        await using var gateway = await GatewayFixture.StartGatewayAsync($"""
            base_url: "{fixture.Upstream.BaseUrl.ToString().TrimEnd('/')}"
            protected_resource_metadata:
              authorization_servers: ["{fixture.Idp.Issuer}"]
            """);
        var big = new string('x', 200_000);
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(gateway.BaseUrl, "/sse"),
            TransportMode = HttpTransportMode.Sse,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {fixture.Idp.Issue(gateway.BaseUrl.ToString().TrimEnd('/') + "/sse")}" },
        });
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2024-11-05" }, cancellationToken: Ct);

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = big }, cancellationToken: Ct);

        Assert.Equal("Echo: " + big, Assert.IsType<TextContentBlock>(result.Content.First()).Text);
    }

    [Fact]
    public async Task Legacy_sse_stream_needs_a_valid_token_not_just_a_bearer_prefix()
    {
        using var http = fixture.Http("garbage");

        var response = await http.GetAsync("/sse", HttpCompletionOption.ResponseHeadersRead, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("/.well-known/oauth-protected-resource/sse", Mcp.Challenge(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Legacy_messages_for_another_subjects_sse_session_are_refused()
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(fixture.Gateway.BaseUrl, "/sse"),
            TransportMode = HttpTransportMode.Sse,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {fixture.Token(subject: "legacy-owner")}" },
        });
        var before = fixture.Upstream.Seen.Count;
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2024-11-05" }, cancellationToken: Ct);
        var path = fixture.Upstream.Seen.Skip(before).Select(s => s.Path).First(p => p.StartsWith("/messages", StringComparison.Ordinal));
        using var http = fixture.Http();

        var response = await http.SendAsync(Mcp.Post(new Uri(fixture.Gateway.BaseUrl, path).ToString(), Mcp.ToolCall("echo"), fixture.Token(subject: "intruder")), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_mcp_param_headers_and_protocol_headers_reach_the_upstream()
    {
        using var http = fixture.Http();
        var request = Mcp.Post(fixture.McpUrl, Mcp.ToolCall("echo", id: 3), fixture.Token());
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", "echo");
        request.Headers.Add("Mcp-Param-Region", "eu-west");
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        var before = fixture.Upstream.Seen.Count;

        await http.SendAsync(request, Ct);

        var seen = fixture.Upstream.Seen.Skip(before).Single();
        Assert.Equal("eu-west", seen.Headers["Mcp-Param-Region"]);
        Assert.Equal("tools/call", seen.Headers["Mcp-Method"]);
        Assert.Equal("2025-11-25", seen.Headers["MCP-Protocol-Version"]);
    }

    [Fact]
    public async Task Upstream_that_is_down_gives_502_with_a_json_rpc_error()
    {
        await using var gateway = await GatewayFixture.StartGatewayAsync($"""
            base_url: "http://127.0.0.1:9"
            transport_mode: streamable_http
            protected_resource_metadata:
              authorization_servers: ["{fixture.Idp.Issuer}"]
            """);
        using var http = new HttpClient();
        var url = gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp";

        var response = await http.SendAsync(Mcp.Post(url, Mcp.Initialize, fixture.Idp.Issue(url)), Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("\"id\":1", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }
}
