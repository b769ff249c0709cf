using System.Net;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Transport;

public sealed class ShutdownTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stopping_the_gateway_lets_an_in_flight_tool_call_finish_within_the_grace_period()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var upstream = await McpUpstreamServer.StartAsync();
        var gateway = await GatewayFixture.StartGatewayAsync($"""
            base_url: "{upstream.BaseUrl.ToString().TrimEnd('/')}"
            transport_mode: streamable_http
            shutdown_grace_seconds: 20
            protected_resource_metadata:
              authorization_servers: ["{idp.Issuer}"]
            """);
        var url = gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp";
        var token = idp.Issue(url);
        using var http = new HttpClient { Timeout = TestTimeouts.Default };
        var initialized = await http.SendAsync(Mcp.Post(url, Mcp.Initialize, token), Ct);
        var session = initialized.Headers.GetValues("Mcp-Session-Id").Single();
        await http.SendAsync(Mcp.Post(url, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", token, session), Ct);

        var call = http.SendAsync(Mcp.Post(url, Mcp.ToolCall("slow", id: 77, arguments: """{"milliseconds":1500}"""), token, session), Ct);
        await upstream.SlowCallStarted.Task.WaitAsync(TestTimeouts.Default, Ct);
        var stopping = gateway.StopAsync(Ct);
        var response = await call;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("slow done", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        await stopping.WaitAsync(TestTimeouts.Default, Ct);
        await gateway.DisposeAsync();
    }
}
