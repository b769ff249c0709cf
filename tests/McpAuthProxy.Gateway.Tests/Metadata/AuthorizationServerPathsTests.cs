using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Metadata;

/// <summary>open-mcp-auth-proxy's Auth0 guide configuration: synthesized metadata and the proxied authorization paths.</summary>
public sealed class AuthorizationServerPathsTests : IAsyncLifetime
{
    private TestIdentityProvider _idp = null!;
    private McpUpstreamServer _upstream = null!;
    private GatewayHost _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _idp = await TestIdentityProvider.StartAsync();
        _upstream = await McpUpstreamServer.StartAsync();
        _gateway = await GatewayFixture.StartGatewayAsync($"""
            listen_port: 8080
            base_url: "{_upstream.BaseUrl.ToString().TrimEnd('/')}"
            paths:
              sse: "/sse"
              messages: "/messages/"
            transport_mode: "sse"
            path_mapping:
              /token: /oauth/token
              /register: /oidc/register
            default:
              base_url: "{_idp.Issuer}"
              jwks_url: "{_idp.Issuer}/jwks"
              path:
                /.well-known/oauth-authorization-server:
                  response:
                    issuer: "{_idp.Issuer}"
                    jwks_uri: "{_idp.Issuer}/jwks"
                    authorization_endpoint: "{_idp.Issuer}/authorize?audience=mcp_proxy"
                    response_types_supported: ["code"]
                    grant_types_supported: ["authorization_code", "refresh_token"]
                    code_challenge_methods_supported: ["S256"]
                /authorize:
                  addQueryParams:
                    - name: "audience"
                      value: "mcp_proxy"
                /token:
                  addBodyParams:
                    - name: "audience"
                      value: "mcp_proxy"
                /register:
                  addBodyParams:
                    - name: "client_name"
                      value: "via-gateway"
            """);
    }

    private HttpClient Http() => new() { BaseAddress = _gateway.BaseUrl };

    [Fact]
    public async Task Configured_metadata_is_served_with_the_gateways_own_token_and_registration_endpoints()
    {
        using var http = Http();

        using var document = JsonDocument.Parse(await http.GetStringAsync("/.well-known/oauth-authorization-server", Ct));

        var root = document.RootElement;
        Assert.Equal(_idp.Issuer, root.GetProperty("issuer").GetString());
        Assert.Equal(_idp.Issuer + "/authorize?audience=mcp_proxy", root.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(_gateway.BaseUrl.ToString().TrimEnd('/') + "/token", root.GetProperty("token_endpoint").GetString());
        Assert.Equal(_gateway.BaseUrl.ToString().TrimEnd('/') + "/register", root.GetProperty("registration_endpoint").GetString());
    }

    [Fact]
    public async Task Token_requests_go_to_the_mapped_path_with_the_configured_body_params_set()
    {
        using var http = Http();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["code"] = "abc", ["audience"] = "other" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", "Y2xpZW50OnNlY3JldA==");

        using var echo = JsonDocument.Parse(await (await http.SendAsync(request, Ct)).Content.ReadAsStringAsync(Ct));

        Assert.Equal("/oauth/token", echo.RootElement.GetProperty("path").GetString());
        Assert.Equal("grant_type=authorization_code&code=abc&audience=mcp_proxy", echo.RootElement.GetProperty("body").GetString());
        Assert.Equal("Basic Y2xpZW50OnNlY3JldA==", echo.RootElement.GetProperty("authorization").GetString());
    }

    [Fact]
    public async Task Registration_requests_in_json_get_the_configured_body_params()
    {
        using var http = Http();

        var response = await http.PostAsync("/register", new StringContent("""{"redirect_uris":["http://127.0.0.1/cb"]}""", Encoding.UTF8, "application/json"), Ct);

        using var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("/oidc/register", echo.RootElement.GetProperty("path").GetString());
        using var body = JsonDocument.Parse(echo.RootElement.GetProperty("body").GetString()!);
        Assert.Equal("via-gateway", body.RootElement.GetProperty("client_name").GetString());
    }

    [Fact]
    public async Task Authorize_redirects_to_the_authorization_server_with_query_params_set()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _gateway.BaseUrl };

        var response = await http.GetAsync("/authorize?client_id=c&audience=wrong&state=s", Ct);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"{_idp.Issuer}/authorize?client_id=c&audience=mcp_proxy&state=s", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Token_for_the_audience_the_token_requests_ask_for_is_accepted()
    {
        using var http = new HttpClient();
        var url = _gateway.BaseUrl.ToString().TrimEnd('/') + "/mcp";

        var accepted = await http.SendAsync(Mcp.Post(url, Mcp.Initialize, _idp.Issue("mcp_proxy")), Ct);
        var refused = await http.SendAsync(Mcp.Post(url, Mcp.Initialize, _idp.Issue("another_api")), Ct);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        await _idp.DisposeAsync();
    }
}
