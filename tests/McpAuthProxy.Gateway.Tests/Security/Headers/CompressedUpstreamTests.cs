using System.Net;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using McpAuthProxy.Gateway.Tests.Security.Infrastructure;
using ModelContextProtocol.Client;

namespace McpAuthProxy.Gateway.Tests.Security.Headers;

/// <summary>
/// An upstream that compresses its answers whatever it is asked: the list the gateway filters is read decompressed, and
/// stock clients get a readable answer with nothing they may not use (it was decoded as UTF-8 garbage before).
/// </summary>
[Collection(nameof(SecurityCollection))]
public sealed class CompressedUpstreamTests(SecurityFixture fixture)
{
    [Fact]
    public async Task Lists_from_a_gzip_compressing_upstream_are_filtered_and_readable_raw_and_by_a_stock_client()
    {
        await using var gateway = await AttackedGateway.StartAsync("cs/http", fixture.Idp, upstreamArguments: ["--gzip"]);
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All });
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(gateway.McpUrl),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {fixture.Token()}" },
        }, http);
        await using var client = await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken);

        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var raw = await (await gateway.OpenAsync(fixture.Token())).ListAsync("tools/list");
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "through gzip" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, raw.Status);
        Assert.Contains("\"echo\"", raw.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("admin_reset", raw.Text, StringComparison.Ordinal);
        Assert.Contains(tools, t => t.Name == "echo");
        Assert.DoesNotContain(tools, t => t.Name == "admin_reset");
        Assert.Contains("Echo: through gzip", ((ModelContextProtocol.Protocol.TextContentBlock)echo.Content[0]).Text, StringComparison.Ordinal);
    }
}
