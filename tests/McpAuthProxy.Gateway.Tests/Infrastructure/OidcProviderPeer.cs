using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace McpAuthProxy.Gateway.Tests.Infrastructure;

/// <summary>oidc-provider from npm (tests/e2e/gateway-idp.mjs) as a child process on 127.0.0.1:0.</summary>
public sealed class OidcProviderPeer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private OidcProviderPeer(ChildProcess process, string issuer)
    {
        _process = process;
        Issuer = issuer;
    }

    public string Issuer { get; }

    public string Stderr => _process.Stderr;

    public static async Task<OidcProviderPeer> StartAsync(string accessTokenFormat = "jwt", int port = 0)
    {
        NodePeers.RequireInstalled();
        var process = ChildProcess.Start(NodePeers.Node, [NodePeers.GatewayIdp], new Dictionary<string, string?>
        {
            ["LOG"] = "1",
            ["AT_FORMAT"] = accessTokenFormat,
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var ready = await process.ReadStdoutLineAsync(l => l.Contains("\"ready\":true", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        using var json = JsonDocument.Parse(ready);
        return new OidcProviderPeer(process, json.RootElement.GetProperty("issuer").GetString()!);
    }

    /// <summary>A client_credentials access token for <paramref name="resource"/> (RFC 8707), from the confidential client.</summary>
    public async Task<string> ClientCredentialsTokenAsync(string resource, string scope)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, Issuer + "/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["scope"] = scope,
                ["resource"] = resource,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("mcp-confidential:test-secret")));
        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>The provider signs with a new key from now on; the old keys stay published unless <paramref name="dropOld"/>.</summary>
    public async Task<string> RotateKeyAsync(bool dropOld = false)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(Issuer + "/_control/rotate" + (dropOld ? "?drop=1" : ""), null, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("kid").GetString()!;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
