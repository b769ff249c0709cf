using System.Net;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Gateway.Tests.Security;

/// <summary>
/// The C# SDK client with its own OAuth support starts without a token, follows the gateway's 401 challenge to the
/// protected resource metadata, registers at oidc-provider (DCR), signs in (redirects followed headlessly), and calls a tool.
/// </summary>
public sealed class SdkOAuthClientTests : IAsyncLifetime
{
    private OidcGateway _stack = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _stack = await OidcGateway.StartAsync();

    /// <summary>A headless browser: follows the authorization server's redirects (with cookies) up to the redirect URI.</summary>
    private static async Task<AuthorizationResult?> SignInAsync(AuthorizationCallbackContext context, CancellationToken cancellationToken)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() });
        var url = context.AuthorizationUri;
        for (var hop = 0; hop < 20; hop++)
        {
            using var response = await browser.GetAsync(url, cancellationToken);
            var location = response.Headers.Location ?? throw new InvalidOperationException($"sign-in stopped at {url} with {(int)response.StatusCode}");
            url = location.IsAbsoluteUri ? location : new Uri(url, location);
            if (url.GetLeftPart(UriPartial.Path) == context.RedirectUri.GetLeftPart(UriPartial.Path))
            {
                var query = QueryHelpers.ParseQuery(url.Query);
                if (!query.ContainsKey("code"))
                {
                    throw new InvalidOperationException($"the authorization server answered {url.Query}");
                }

                return new AuthorizationResult { Code = query["code"], State = query["state"], Iss = query["iss"] };
            }
        }

        return null;
    }

    [Fact]
    public async Task Sdk_client_with_oauth_signs_in_through_the_gateways_challenge_and_calls_a_tool()
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(_stack.Gateway.BaseUrl, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            OAuth = new ClientOAuthOptions
            {
                RedirectUri = new Uri("http://127.0.0.1:45871/oauth/callback"),
                Scopes = ["mcp:tools"],
                AuthorizationCallbackHandler = SignInAsync,
                DynamicClientRegistration = new DynamicClientRegistrationOptions { ClientName = "gateway-test-sdk-client" },
            },
        });

        await using var client = await McpClient.CreateAsync(transport, cancellationToken: Ct);
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "sdk oauth" }, cancellationToken: Ct);

        Assert.Equal("Echo: sdk oauth", Assert.IsType<TextContentBlock>(result.Content.First()).Text);
    }

    [Fact]
    public async Task Sdk_client_steps_up_on_403_insufficient_scope_and_then_calls_the_admin_tool()
    {
        // initialize needs mcp:tools, so the first challenge asks for that scope only (not all of scopes_supported).
        await using var gateway = await GatewayFixture.StartGatewayAsync($"""
            base_url: "{_stack.Upstream.BaseUrl.ToString().TrimEnd('/')}"
            transport_mode: streamable_http
            protected_resource_metadata:
              authorization_servers: ["{_stack.Idp.Issuer}"]
              scopes_supported:
                - initialize: "mcp:tools"
                - tools/call:
                  - admin_reset: ["mcp:tools", "mcp:admin"]
            """);
        var signIns = 0;
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(gateway.BaseUrl, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            OAuth = new ClientOAuthOptions
            {
                RedirectUri = new Uri("http://127.0.0.1:45872/oauth/callback"),
                Scopes = ["mcp:tools"],
                AuthorizationCallbackHandler = (context, ct) =>
                {
                    Interlocked.Increment(ref signIns);
                    return SignInAsync(context, ct);
                },
                // Pre-registered: a dynamically registered client is limited by oidc-provider to the scopes it registered with.
                ClientId = "mcp-public",
            },
        });
        await using var client = await McpClient.CreateAsync(transport, cancellationToken: Ct);

        var result = await client.CallToolAsync("admin_reset", cancellationToken: Ct);

        Assert.Equal("reset done", Assert.IsType<TextContentBlock>(result.Content.First()).Text);
        Assert.Equal(2, signIns);
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();
}
