using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace McpAuthProxy.Gateway.Tests.Infrastructure;

/// <summary>
/// A gateway with <c>authorization_proxy</c> in front of <see cref="TestIdentityProvider"/> (which has no registration),
/// a fake clock for the front's expiries, and helpers that play an MCP client and its user's browser, step by step.
/// </summary>
public sealed partial class FrontGateway : IAsyncDisposable
{
    private FrontGateway(TestIdentityProvider idp, McpUpstreamServer upstream, GatewayHost gateway, FakeTimeProvider clock, LogCollector logs)
    {
        Idp = idp;
        Upstream = upstream;
        Gateway = gateway;
        Clock = clock;
        Logs = logs;
    }

    public TestIdentityProvider Idp { get; }
    public McpUpstreamServer Upstream { get; }
    public GatewayHost Gateway { get; }
    public FakeTimeProvider Clock { get; }
    public LogCollector Logs { get; }

    public string Base => Gateway.BaseUrl.AbsoluteUri.TrimEnd('/');

    public string McpUrl => Base + "/mcp";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <param name="front">Extra keys of the authorization_proxy block, indented by two spaces.</param>
    /// <param name="issuer">The issuer the gateway trusts, when it is not the test provider (an unreachable one).</param>
    public static async Task<FrontGateway> StartAsync(string front = "", string? issuer = null, string extraYaml = "")
    {
        var idp = await TestIdentityProvider.StartAsync();
        var upstream = await McpUpstreamServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new LogCollector();
        var yaml = $"""
            listen_port: 8080
            base_url: "{upstream.BaseUrl.AbsoluteUri.TrimEnd('/')}"
            transport_mode: streamable_http
            {GatewayFixture.ScopesYaml}
              authorization_servers: ["{issuer ?? idp.Issuer}"]
            authorization_proxy:
              client_id: gateway-client
              client_secret: gateway-secret
            {(front.Contains("provider_timeout_seconds", StringComparison.Ordinal) ? "" : "  provider_timeout_seconds: 60")}
            {front}
            {extraYaml}
            """;
        var result = GatewayConfigLoader.Load(yaml, new Dictionary<string, string>());
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var gateway = await GatewayHost.StartAsync(GatewaySettings.From(result.Config!), new GatewayHostOptions
        {
            Urls = "http://127.0.0.1:0",
            MinimumLogLevel = LogLevel.Debug,
            ConfigureLogging = logging => logging.AddProvider(logs),
            TimeProvider = clock,
        }, Ct);
        return new FrontGateway(idp, upstream, gateway, clock, logs);
    }

    /// <summary>A fresh browser: no cookies, no redirects followed.</summary>
    public Browser NewBrowser() => new(this);

    /// <summary>Registers an MCP client (RFC 7591) and returns its client id.</summary>
    public async Task<string> RegisterAsync(string redirectUri = "http://127.0.0.1:33418/callback", string? name = "Test Client")
    {
        using var http = new HttpClient { BaseAddress = Gateway.BaseUrl };
        var body = new Dictionary<string, object?> { ["redirect_uris"] = new[] { redirectUri }, ["client_name"] = name, ["token_endpoint_auth_method"] = "none" };
        using var response = await http.PostAsJsonAsync("/register", body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("client_id").GetString()!;
    }

    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (verifier, challenge);
    }

    public string AuthorizeUrl(string clientId, string redirectUri, string challenge, string state = "client-state", string scope = "mcp:tools") =>
        $"{Base}/authorize?response_type=code&client_id={Uri.EscapeDataString(clientId)}&redirect_uri={Uri.EscapeDataString(redirectUri)}"
        + $"&code_challenge={challenge}&code_challenge_method=S256&state={state}&scope={Uri.EscapeDataString(scope)}&resource={Uri.EscapeDataString(McpUrl)}";

    /// <summary>Redeems a code at the gateway's token endpoint.</summary>
    public async Task<HttpResponseMessage> TokenAsync(IDictionary<string, string> form)
    {
        using var http = new HttpClient { BaseAddress = Gateway.BaseUrl };
        return await http.PostAsync("/token", new FormUrlEncodedContent(form), Ct);
    }

    /// <summary>The whole sign-in as a user who approves: the client's code at its redirect URI, and the verifier for it.</summary>
    public async Task<(string Code, string Verifier, string RedirectUri)> SignInAsync(Browser browser, string clientId, string redirectUri = "http://127.0.0.1:33418/callback")
    {
        var (verifier, challenge) = NewPkce();
        using var page = await browser.GetAsync(AuthorizeUrl(clientId, redirectUri, challenge));
        var form = await ConsentForm.ReadAsync(page);
        using var approved = await browser.PostConsentAsync(form, "allow");
        using var atProvider = await browser.FollowAsync(approved);
        using var callback = await browser.FollowAsync(atProvider);
        var location = callback.Headers.Location!;
        Assert.StartsWith(redirectUri, location.AbsoluteUri, StringComparison.Ordinal);
        Assert.True(Query(location, "code") is not null, $"no code at the client's redirect URI: {location}");
        return (Query(location, "code")!, verifier, redirectUri);
    }

    public static string? Query(Uri uri, string name) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query).TryGetValue(name, out var value) ? value.ToString() : null;

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Upstream.DisposeAsync();
        await Idp.DisposeAsync();
    }

    /// <summary>The hidden fields of the consent page's form.</summary>
    public sealed partial record ConsentForm(string Transaction, string Csrf, string Html)
    {
        public static async Task<ConsentForm> ReadAsync(HttpResponseMessage page)
        {
            var html = await page.Content.ReadAsStringAsync(Ct);
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{(int)page.StatusCode}: {html}");
            return new ConsentForm(Hidden().Match(html.Split("name=\"txn\"")[1]).Groups[1].Value, Hidden().Match(html.Split("name=\"csrf\"")[1]).Groups[1].Value, html);
        }

        [GeneratedRegex("value=\"([^\"]*)\"")]
        private static partial Regex Hidden();
    }

    /// <summary>
    /// A user's browser for these tests: keeps cookies per host the way Chromium does on loopback (Secure cookies are
    /// kept on http://127.0.0.1, which browsers treat as a secure context) and follows one redirect at a time.
    /// </summary>
    public sealed class Browser(FrontGateway owner) : IDisposable
    {
        private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TestTimeouts.Default };

        public Dictionary<string, string> Cookies { get; } = new(StringComparer.Ordinal);

        /// <summary>Every Set-Cookie header received, as sent.</summary>
        public List<string> SetCookies { get; } = [];

        public Task<HttpResponseMessage> GetAsync(string url) => SendAsync(new HttpRequestMessage(HttpMethod.Get, url));

        public Task<HttpResponseMessage> FollowAsync(HttpResponseMessage redirect)
        {
            Assert.True((int)redirect.StatusCode is >= 300 and < 400, $"expected a redirect, got {(int)redirect.StatusCode}");
            return GetAsync(redirect.Headers.Location!.AbsoluteUri);
        }

        public Task<HttpResponseMessage> PostConsentAsync(ConsentForm form, string decision, string? origin = null, string? csrf = null, string? transaction = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, owner.Base + "/authorize/consent")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["txn"] = transaction ?? form.Transaction,
                    ["csrf"] = csrf ?? form.Csrf,
                    ["decision"] = decision,
                }),
            };
            request.Headers.Add("Origin", origin ?? owner.Base);
            return SendAsync(request);
        }

        public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
        {
            if (request.RequestUri!.Host == "127.0.0.1" && Cookies.Count > 0)
            {
                request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => $"{c.Key}={c.Value}")));
            }

            var response = await _http.SendAsync(request, Ct);
            foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
            {
                SetCookies.Add(header);
                var pair = header.Split(';')[0];
                var name = pair[..pair.IndexOf('=', StringComparison.Ordinal)];
                var value = pair[(name.Length + 1)..];
                if (value.Length == 0 || header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    Cookies.Remove(name);
                }
                else
                {
                    Cookies[name] = value;
                }
            }

            return response;
        }

        public void Dispose() => _http.Dispose();
    }
}
