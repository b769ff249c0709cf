using System.Net;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using McpAuthProxy.Gateway.Tests.Security.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security.Limits;

/// <summary>Attack: one party takes what all share: every stdio process, or the session's table of requests in flight.</summary>
[Collection(nameof(SecurityCollection))]
public sealed class StdioSessionLimitTests(SecurityFixture fixture)
{
    [Theory]
    [InlineData("ts/stdio")]
    [InlineData("ts/stdio-shared")]
    public async Task One_subject_cannot_hold_every_stdio_session(string target)
    {
        await using var gateway = await AttackedGateway.StartAsync(target, fixture.Idp, stdio: "max_sessions_per_subject: 3");
        var mallory = fixture.Token(subject: "mallory-hog");
        for (var i = 0; i < 3; i++)
        {
            await gateway.OpenAsync(mallory);
        }

        using var http = new HttpClient();
        using var fourth = await http.SendAsync(Mcp.Post(gateway.McpUrl, Mcp.Initialize, mallory), TestContext.Current.CancellationToken);
        var alice = await gateway.OpenAsync(fixture.Token(subject: "alice-fair"));

        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        Assert.NotNull(fourth.Headers.RetryAfter);
        Assert.NotNull(alice.SessionId);
    }

    [Fact]
    public async Task A_session_cannot_keep_more_than_64_requests_waiting()
    {
        NodePeers.RequireInstalled();
        await using var gateway = await GatewayFixture.StartGatewayAsync($"""
            transport_mode: stdio
            stdio:
              enabled: true
              user_command: "{NodePeers.Node}"
              args: ["{NodePeers.CrashServer}"]
            protected_resource_metadata:
              audience: "{AttackTargets.Audience}"
              authorization_servers: ["{fixture.Idp.Issuer}"]
            """);
        var session = await RawSession.OpenAsync(gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp", fixture.Token());

        var calls = Enumerable.Range(0, 80).Select(i => session.AskAsync(
            "{\"jsonrpc\":\"2.0\",\"id\":" + (1000 + i) + ",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"m" + i + "\",\"delayMs\":3000}}}")).ToList();
        var answers = await Task.WhenAll(calls);

        var refused = answers.Count(a => a.Text.Contains("Too many requests in flight", StringComparison.Ordinal));
        var served = answers.Count(a => a.Text.Contains("Echo: m", StringComparison.Ordinal));
        Assert.Equal(80, refused + served);
        Assert.InRange(refused, 16, 80);
        Assert.InRange(served, 1, 64);
    }
}
