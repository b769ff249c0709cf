using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Metadata;

/// <summary>
/// open-mcp-auth-proxy's default mode (the gateway forwards /authorize, /token and /register to <c>default.base_url</c>):
/// its Keycloak guide unchanged, issuer metadata that points at the gateway, and OAuth errors when the provider fails.
/// </summary>
public sealed class PassThroughModeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<GatewayHost> StartAsync(string providerBase, McpUpstreamServer upstream, string extra = "") =>
        await GatewayFixture.StartGatewayAsync($"""
            listen_port: 8081
            base_url: "{upstream.BaseUrl.AbsoluteUri.TrimEnd('/')}"
            transport_mode: streamable_http
            default:
              base_url: "{providerBase}"
            protected_resource_metadata:
              authorization_servers: ["{providerBase}"]
            {extra}
            """);

    [Fact]
    public async Task Keycloak_guide_configuration_works_unchanged()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var upstream = await McpUpstreamServer.StartAsync();
        var realm = idp.Issuer;
        // docs/integrations/keycloak.md of open-mcp-auth-proxy, with its hosts pointed at the test provider and upstream.
        await using var gateway = await GatewayFixture.StartGatewayAsync($"""
            listen_port: 8081
            base_url: "{upstream.BaseUrl.AbsoluteUri.TrimEnd('/')}"
            port: 8000
            paths:
              sse: "/sse"
              messages: "/messages/"
            transport_mode: "sse"
            cors:
              allowed_origins:
                - "http://localhost:5173"
              allowed_methods:
                - "GET"
                - "POST"
                - "PUT"
                - "DELETE"
              allowed_headers:
                - "Authorization"
                - "Content-Type"
                - "mcp-protocol-version"
              allow_credentials: true
            path_mapping:
              /token: /oauth/token
              /register: /oidc/register
            default:
              base_url: "{idp.Issuer}"
              jwks_url: "{idp.Issuer}/jwks"
              path:
                /.well-known/oauth-authorization-server:
                  response:
                    issuer: "{realm}"
                    jwks_uri: "{idp.Issuer}/jwks"
                    authorization_endpoint: "{idp.Issuer}/authorize"
                    response_types_supported:
                      - "code"
                    grant_types_supported:
                      - "authorization_code"
                      - "refresh_token"
                    code_challenge_methods_supported:
                      - "S256"
                      - "plain"
                /token:
                  addBodyParams:
                    - name: "audience"
                      value: "mcp_proxy"
            """);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        var gatewayBase = gateway.BaseUrl.AbsoluteUri.TrimEnd('/');

        var metadata = JsonDocument.Parse(await http.GetStringAsync("/.well-known/oauth-authorization-server", Ct)).RootElement;
        using var token = await http.PostAsync("/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["code"] = "c" }), Ct);
        var echo = JsonDocument.Parse(await token.Content.ReadAsStringAsync(Ct)).RootElement;
        using var mcp = await new HttpClient().SendAsync(Mcp.Post(gatewayBase + "/messages/", Mcp.Initialize, idp.Issue("mcp_proxy")), Ct);

        Assert.Equal(realm, metadata.GetProperty("issuer").GetString());
        Assert.Equal(idp.Issuer + "/authorize", metadata.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(gatewayBase + "/token", metadata.GetProperty("token_endpoint").GetString());
        Assert.Equal(gatewayBase + "/register", metadata.GetProperty("registration_endpoint").GetString());
        Assert.Equal("/oauth/token", echo.GetProperty("path").GetString());
        Assert.Contains("audience=mcp_proxy", echo.GetProperty("body").GetString());
        Assert.NotEqual(HttpStatusCode.Unauthorized, mcp.StatusCode);
    }

    [Fact]
    public async Task Issuer_metadata_is_served_with_the_endpoints_the_gateway_fronts_pointing_at_it()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        await using var upstream = await McpUpstreamServer.StartAsync();
        await using var gateway = await StartAsync(idp.Issuer, upstream);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        var gatewayBase = gateway.BaseUrl.AbsoluteUri.TrimEnd('/');

        var metadata = JsonDocument.Parse(await http.GetStringAsync("/.well-known/oauth-authorization-server", Ct)).RootElement;

        Assert.Equal(idp.Issuer, metadata.GetProperty("issuer").GetString());
        Assert.Equal(idp.Issuer + "/jwks", metadata.GetProperty("jwks_uri").GetString());
        Assert.Equal(gatewayBase + "/authorize", metadata.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(gatewayBase + "/token", metadata.GetProperty("token_endpoint").GetString());
        Assert.Equal(gatewayBase + "/register", metadata.GetProperty("registration_endpoint").GetString());
    }

    [Fact]
    public async Task Token_request_to_a_provider_that_is_down_is_temporarily_unavailable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var down = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop();
        await using var upstream = await McpUpstreamServer.StartAsync();
        var logs = new LogCollector();
        await using var gateway = await GatewayFixture.StartGatewayAsync($"""
            listen_port: 8081
            base_url: "{upstream.BaseUrl.AbsoluteUri.TrimEnd('/')}"
            transport_mode: streamable_http
            default:
              base_url: "{down}"
              jwks_url: "{down}/jwks"
            protected_resource_metadata:
              authorization_servers: ["{down}"]
            """, logs);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };

        using var answer = await http.PostAsync("/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "authorization_code" }), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Equal("temporarily_unavailable", JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString());
        Assert.Contains(logs.Entries, e => e.Message.Contains(down + "/token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Token_request_answered_with_garbage_is_server_error()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        idp.TokenBehavior = TokenEndpointBehavior.Garbage;
        await using var upstream = await McpUpstreamServer.StartAsync();
        await using var gateway = await StartAsync(idp.Issuer, upstream);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };

        using var answer = await http.PostAsync("/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "authorization_code" }), Ct);

        Assert.Equal(HttpStatusCode.BadGateway, answer.StatusCode);
        Assert.Equal("server_error", JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString());
    }
}
