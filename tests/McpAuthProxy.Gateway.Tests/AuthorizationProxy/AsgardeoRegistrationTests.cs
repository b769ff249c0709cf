using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.Tests.AuthorizationProxy;

/// <summary>
/// <c>-asgardeo</c> mode's <c>/register</c>: an Asgardeo application per MCP client, created through the application
/// management API (a stand-in on loopback that speaks its token and applications endpoints) with exactly the client's
/// redirect URIs, PKCE S256 only, and no secret.
/// </summary>
public sealed class AsgardeoRegistrationTests : IAsyncLifetime
{
    private AsgardeoStandIn _asgardeo = null!;
    private McpUpstreamServer _upstream = null!;
    private GatewayHost _gateway = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _asgardeo = await AsgardeoStandIn.StartAsync();
        _upstream = await McpUpstreamServer.StartAsync();
        _gateway = await GatewayFixture.StartGatewayAsync($"""
            listen_port: 8080
            mode: asgardeo
            base_url: "{_upstream.BaseUrl.AbsoluteUri.TrimEnd('/')}"
            transport_mode: streamable_http
            asgardeo:
              org_name: acme
              client_id: mgmt-client
              client_secret: mgmt-secret
              api_base_url: "{_asgardeo.Base}"
            token_validation:
              issuer: "{_asgardeo.Issuer}"
            protected_resource_metadata:
              jwks_uri: "{_asgardeo.Base}/t/acme/oauth2/jwks"
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
        await _asgardeo.DisposeAsync();
    }

    private async Task<HttpResponseMessage> RegisterAsync(params string[] redirectUris)
    {
        using var http = new HttpClient { BaseAddress = _gateway.BaseUrl };
        return await http.PostAsJsonAsync("/register", new { client_name = "Cursor", redirect_uris = redirectUris }, Ct);
    }

    [Fact]
    public async Task Registration_creates_a_public_pkce_only_application_with_exactly_the_clients_redirect_uri()
    {
        using var answer = await RegisterAsync("http://127.0.0.1:33418/callback");

        Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        var registered = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Ct)).RootElement;
        var application = Assert.Single(_asgardeo.Applications);
        var oidc = application.Body.GetProperty("inboundProtocolConfiguration").GetProperty("oidc");
        Assert.Equal("Bearer mgmt-token", application.Authorization);
        Assert.Equal(registered.GetProperty("client_id").GetString(), oidc.GetProperty("clientId").GetString());
        Assert.Equal(["http://127.0.0.1:33418/callback"], oidc.GetProperty("callbackURLs").EnumerateArray().Select(e => e.GetString()));
        Assert.True(oidc.GetProperty("publicClient").GetBoolean());
        Assert.True(oidc.GetProperty("pkce").GetProperty("mandatory").GetBoolean());
        Assert.False(oidc.GetProperty("pkce").GetProperty("supportPlainTransformAlgorithm").GetBoolean());
        Assert.Equal(["authorization_code", "refresh_token"], oidc.GetProperty("grantTypes").EnumerateArray().Select(e => e.GetString()));
        Assert.False(registered.TryGetProperty("client_secret", out _));
        Assert.StartsWith("Basic ", Assert.Single(_asgardeo.TokenRequests), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_redirect_uris_become_a_pattern_that_matches_only_them()
    {
        using var answer = await RegisterAsync("http://127.0.0.1:33418/callback", "https://app.example.com/oauth/cb?x=1");

        Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        var pattern = Assert.Single(_asgardeo.Applications).Body.GetProperty("inboundProtocolConfiguration").GetProperty("oidc").GetProperty("callbackURLs")[0].GetString()!;
        Assert.StartsWith("regexp=", pattern, StringComparison.Ordinal);
        var regex = new Regex("^" + pattern["regexp=".Length..] + "$");
        Assert.Matches(regex, "http://127.0.0.1:33418/callback");
        Assert.Matches(regex, "https://app.example.com/oauth/cb?x=1");
        Assert.DoesNotMatch(regex, "http://127x0x0x1:33418/callback");
        Assert.DoesNotMatch(regex, "https://app.example.com/oauth/cbxx=1");
        Assert.DoesNotMatch(regex, "https://attacker.example/");
    }

    [Fact]
    public async Task Registration_with_a_disallowed_redirect_uri_creates_nothing()
    {
        using var answer = await RegisterAsync("http://attacker.example/callback");

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Empty(_asgardeo.Applications);
        Assert.Empty(_asgardeo.TokenRequests);
    }

    [Fact]
    public async Task Management_token_is_reused_across_registrations()
    {
        using var first = await RegisterAsync("http://127.0.0.1:1/a");
        using var second = await RegisterAsync("http://127.0.0.1:2/b");

        Assert.Equal(2, _asgardeo.Applications.Count);
        Assert.Single(_asgardeo.TokenRequests);
    }

    [Fact]
    public async Task Management_api_that_fails_gives_an_oauth_error()
    {
        _asgardeo.ApplicationsStatus = 503;

        using var answer = await RegisterAsync("http://127.0.0.1:33418/callback");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Equal("temporarily_unavailable", JsonDocument.Parse(await answer.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Metadata_names_the_gateways_registration_endpoint_and_asgardeos_others()
    {
        using var http = new HttpClient { BaseAddress = _gateway.BaseUrl };

        var metadata = JsonDocument.Parse(await http.GetStringAsync("/.well-known/oauth-authorization-server", Ct)).RootElement;

        Assert.Equal(_gateway.BaseUrl.AbsoluteUri.TrimEnd('/') + "/register", metadata.GetProperty("registration_endpoint").GetString());
        Assert.Equal(_asgardeo.Base + "/t/acme/oauth2/authorize", metadata.GetProperty("authorization_endpoint").GetString());
    }

    /// <summary>Asgardeo's token, discovery and application endpoints for organization <c>acme</c>, on loopback.</summary>
    private sealed class AsgardeoStandIn : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private AsgardeoStandIn(WebApplication app, string @base)
        {
            _app = app;
            Base = @base;
        }

        public string Base { get; }

        public string Issuer => Base + "/t/acme/oauth2/token";

        public int ApplicationsStatus { get; set; } = 201;

        public ConcurrentQueue<string> TokenRequests { get; } = new();

        public List<(string Authorization, JsonElement Body)> Applications { get; } = [];

        public static async Task<AsgardeoStandIn> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            var app = builder.Build();
            app.Urls.Add("http://127.0.0.1:0");
            AsgardeoStandIn? self = null;
            app.MapPost("/t/acme/oauth2/token", (RequestDelegate)(async context =>
            {
                var form = await context.Request.ReadFormAsync(context.RequestAborted);
                self!.TokenRequests.Enqueue(context.Request.Headers.Authorization.ToString());
                var ok = context.Request.Headers.Authorization == "Basic " + Convert.ToBase64String("mgmt-client:mgmt-secret"u8.ToArray())
                    && form["grant_type"] == "client_credentials" && form["scope"].ToString().Contains("internal_application_mgt_create", StringComparison.Ordinal);
                context.Response.StatusCode = ok ? 200 : 401;
                await context.Response.WriteAsJsonAsync(ok ? new { access_token = "mgmt-token", token_type = "Bearer", expires_in = 3600 } : (object)new { error = "invalid_client" });
            }));
            app.MapGet("/t/acme/oauth2/token/.well-known/openid-configuration", (RequestDelegate)(context => context.Response.WriteAsJsonAsync(new Dictionary<string, object>
            {
                ["issuer"] = self!.Issuer,
                ["authorization_endpoint"] = self.Base + "/t/acme/oauth2/authorize",
                ["token_endpoint"] = self.Issuer,
                ["jwks_uri"] = self.Base + "/t/acme/oauth2/jwks",
                ["response_types_supported"] = new[] { "code" },
            })));
            app.MapPost("/t/acme/api/server/v1/applications", (RequestDelegate)(async context =>
            {
                var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                lock (self!.Applications)
                {
                    self.Applications.Add((context.Request.Headers.Authorization.ToString(), body.RootElement.Clone()));
                }

                context.Response.StatusCode = self.ApplicationsStatus;
                context.Response.Headers.Location = self.Base + "/t/acme/api/server/v1/applications/" + Guid.NewGuid();
            }));
            await app.StartAsync(Ct);
            self = new AsgardeoStandIn(app, app.Urls.Single().TrimEnd('/'));
            return self;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
