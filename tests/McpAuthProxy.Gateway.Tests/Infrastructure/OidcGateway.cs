using McpAuthProxy.Gateway.Hosting;

namespace McpAuthProxy.Gateway.Tests.Infrastructure;

/// <summary>
/// oidc-provider (<see cref="OidcProviderPeer"/>), the test MCP upstream, and a Streamable HTTP gateway in front of it
/// with the default per-tool scopes and the provider as its authorization server: the set-up of the tests against a real
/// OpenID provider. Disposes the gateway, then the upstream, then the provider.
/// </summary>
public sealed class OidcGateway(OidcProviderPeer idp, McpUpstreamServer upstream, GatewayHost gateway) : IAsyncDisposable
{
    public OidcProviderPeer Idp { get; } = idp;

    public McpUpstreamServer Upstream { get; } = upstream;

    public GatewayHost Gateway { get; } = gateway;

    public string McpUrl => Gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp";

    /// <param name="accessTokenFormat">The provider's access token format (<c>jwt</c> or <c>opaque</c>).</param>
    /// <param name="configYaml">More top-level gateway config (given the provider's issuer), placed before the metadata.</param>
    public static async Task<OidcGateway> StartAsync(string accessTokenFormat = "jwt", Func<string, string>? configYaml = null)
    {
        var idp = await OidcProviderPeer.StartAsync(accessTokenFormat);
        McpUpstreamServer? upstream = null;
        try
        {
            upstream = await McpUpstreamServer.StartAsync();
            List<string> yaml =
            [
                $"base_url: \"{upstream.BaseUrl.ToString().TrimEnd('/')}\"",
                "transport_mode: streamable_http",
            ];
            if (configYaml is not null)
            {
                yaml.Add(configYaml(idp.Issuer));
            }

            yaml.Add(GatewayFixture.ScopesYaml);
            yaml.Add($"  authorization_servers: [\"{idp.Issuer}\"]");
            return new OidcGateway(idp, upstream, await GatewayFixture.StartGatewayAsync(string.Join('\n', yaml)));
        }
        catch
        {
            if (upstream is not null)
            {
                await upstream.DisposeAsync();
            }

            await idp.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
        await Idp.DisposeAsync();
    }
}
