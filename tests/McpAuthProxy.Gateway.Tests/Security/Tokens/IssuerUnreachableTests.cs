using System.Net;
using System.Net.Sockets;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security.Tokens;

/// <summary>
/// A gateway whose issuer cannot be reached at start says so once, naming the issuer and the fix; clients with a token
/// get 503 (not "the token's signing key is unknown"); once the issuer comes up, tokens are checked again by themselves.
/// </summary>
public sealed class IssuerUnreachableTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_unreachable_issuer_is_reported_once_answered_with_503_and_retried_until_it_answers()
    {
        var port = FreePort();
        var issuer = $"http://127.0.0.1:{port}";
        var logs = new LogCollector();
        await using var upstream = await McpUpstreamServer.StartAsync();
        await using var gateway = await GatewayFixture.StartGatewayAsync($"""
            base_url: "{upstream.BaseUrl.ToString().TrimEnd('/')}"
            transport_mode: streamable_http
            protected_resource_metadata:
              authorization_servers: ["{issuer}"]
            """, logs);
        var mcpUrl = gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp";
        using var http = new HttpClient();

        await NodePeers.WaitUntilAsync(() => logs.Entries.Any(e => e.Message.Contains("Cannot fetch the token signing keys", StringComparison.Ordinal)), "the gateway reports the issuer");
        using var early = await http.SendAsync(Mcp.Post(mcpUrl, Mcp.Initialize, "eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.eyJzdWIiOiJ4In0.c2ln"), Ct);
        var earlyBody = await early.Content.ReadAsStringAsync(Ct);

        var warnings = logs.Entries.Where(e => e.Message.Contains("Cannot fetch the token signing keys", StringComparison.Ordinal)).ToList();
        var warning = Assert.Single(warnings);
        Assert.Contains(issuer, warning.Message, StringComparison.Ordinal);
        Assert.Contains("token_validation.issuer", warning.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
        Assert.NotNull(early.Headers.RetryAfter);
        Assert.Contains(issuer, earlyBody, StringComparison.Ordinal);
        Assert.DoesNotContain("signing key is unknown", earlyBody, StringComparison.Ordinal);

        // The issuer comes up on that address: the gateway fetches its keys by itself, and tokens pass.
        await using var idp = await OidcProviderPeer.StartAsync(port: port);
        var token = await idp.ClientCredentialsTokenAsync(mcpUrl, "mcp:tools");
        var status = HttpStatusCode.ServiceUnavailable;
        await NodePeers.WaitUntilAsync(() =>
        {
            using var response = http.Send(Mcp.Post(mcpUrl, Mcp.Initialize, token), Ct);
            status = response.StatusCode;
            return status != HttpStatusCode.ServiceUnavailable;
        }, "the gateway fetches the keys once the issuer answers");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Single(logs.Entries, e => e.Message.Contains("Cannot fetch the token signing keys", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Message.Contains("tokens are checked again", StringComparison.Ordinal));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
