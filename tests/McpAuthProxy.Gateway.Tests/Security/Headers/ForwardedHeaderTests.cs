using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security.Headers;

/// <summary>
/// Attack: tell the upstream a false client address, host or scheme with headers a proxy would write (X-Forwarded-*,
/// Forwarded, X-Real-IP), for an upstream that trusts them (logs, per-address limits, links it builds).
/// </summary>
public sealed class ForwardedHeaderTests
{
    private static readonly string[] Spoofed = ["X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix", "Forwarded", "X-Real-IP", "True-Client-IP"];

    private static async Task<IReadOnlyDictionary<string, string>> UpstreamSeesAsync(string trustedProxies)
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var upstream = await McpUpstreamServer.StartAsync();
        await using var gateway = await GatewayFixture.StartGatewayAsync($"""
            base_url: "{upstream.BaseUrl.ToString().TrimEnd('/')}"
            transport_mode: streamable_http
            {trustedProxies}
            protected_resource_metadata:
              audience: "suite"
              authorization_servers: ["{idp.Issuer}"]
            """);
        using var request = Mcp.Post(gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp", Mcp.Initialize, idp.Issue("suite", scope: "mcp:tools"));
        foreach (var name in Spoofed)
        {
            request.Headers.TryAddWithoutValidation(name, name == "Forwarded" ? "for=203.0.113.9;host=admin.internal;proto=https" : "203.0.113.9");
        }

        using var http = new HttpClient();
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return upstream.Seen.Last(s => s.Path.StartsWith("/mcp", StringComparison.Ordinal)).Headers;
    }

    [Fact]
    public async Task Client_sent_forwarding_headers_do_not_reach_the_upstream()
    {
        var seen = await UpstreamSeesAsync("");

        foreach (var name in Spoofed)
        {
            Assert.False(seen.ContainsKey(name), $"{name} reached the upstream: {seen.GetValueOrDefault(name)}");
        }
    }

    [Fact]
    public async Task Forwarding_headers_from_a_trusted_proxy_reach_the_upstream()
    {
        var seen = await UpstreamSeesAsync("trusted_proxies: [\"127.0.0.1\", \"::1\"]");

        Assert.True(seen.ContainsKey("X-Forwarded-Host"), string.Join(", ", seen.Keys));
        Assert.True(seen.ContainsKey("Forwarded"));
    }
}
