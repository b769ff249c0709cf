using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.OAuth.Tokens;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>
/// Registration through Asgardeo's application management API (open-mcp-auth-proxy's <c>-asgardeo</c> <c>/register</c>,
/// without its holes): each MCP client gets its own public OIDC application with exactly its redirect URIs (a single URI
/// as is; several as one regular expression of escaped literals), PKCE S256 required and <c>plain</c> refused, and only
/// the code and refresh grants. The management token comes from the configured client (client credentials) and is reused
/// until it expires. TLS is always verified; every call has a timeout; a failure is an OAuth error naming no secret.
/// </summary>
internal sealed partial class AsgardeoApplications : IDisposable
{
    private const string ManagementScope = "internal_application_mgt_create";

    private readonly OrgClientConfig _asgardeo;
    private readonly string _apiBase;
    private readonly ILogger<AsgardeoApplications> _logger;
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(15) };
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Token, DateTimeOffset Until)? _token;

    public AsgardeoApplications(GatewaySettings settings, ILogger<AsgardeoApplications> logger)
    {
        _asgardeo = settings.Config.Asgardeo;
        _apiBase = (_asgardeo.ApiBaseUrl ?? "https://api.asgardeo.io").TrimEnd('/') + "/t/" + Uri.EscapeDataString(_asgardeo.OrgName!);
        _logger = logger;
    }

    public async Task<RegistrationOutcome> RegisterAsync(RegistrationRequest request, CancellationToken cancellationToken)
    {
        var token = await ManagementTokenAsync(cancellationToken).ConfigureAwait(false);
        if (token is null)
        {
            return RegistrationOutcome.Fail("temporarily_unavailable", "Asgardeo's management API could not be used; try again shortly.", 503);
        }

        var clientId = "mcp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        using var body = new MemoryStream();
        using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
            w.WriteString("name", $"{request.ClientName ?? "mcp-client"}-{clientId[4..12]}");
            w.WriteString("templateId", "custom-application-oidc");
            w.WriteStartObject("inboundProtocolConfiguration");
            w.WriteStartObject("oidc");
            w.WriteString("clientId", clientId);
            FrontResponses.WriteArray(w, "grantTypes", ["authorization_code", "refresh_token"]);
            FrontResponses.WriteArray(w, "callbackURLs", [CallbackPattern(request.RedirectUris)]);
            w.WriteBoolean("publicClient", true);
            w.WriteStartObject("pkce");
            w.WriteBoolean("mandatory", true);
            w.WriteBoolean("supportPlainTransformAlgorithm", false);
            w.WriteEndObject();
            w.WriteStartObject("accessToken");
            w.WriteString("type", "JWT");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        var url = _apiBase + "/api/server/v1/applications";
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body.ToArray()) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogFailed(url, $"HTTP {(int)response.StatusCode}");
                return (int)response.StatusCode is 502 or 503 or 504
                    ? RegistrationOutcome.Fail("temporarily_unavailable", "Asgardeo is unavailable; try again shortly.", 503)
                    : RegistrationOutcome.Fail("server_error", "Asgardeo refused to create the application.", 502);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogFailed(url, ex is TaskCanceledException ? "no answer within 15 s" : ex.Message);
            return RegistrationOutcome.Fail("temporarily_unavailable", "Asgardeo could not be reached; try again shortly.", 503);
        }

        var client = new RegisteredClient(clientId, request.ClientName, request.RedirectUris, FromMetadataDocument: false);
        LogCreated(clientId, string.Join(' ', request.RedirectUris));
        return new RegistrationOutcome(client, null, null);
    }

    /// <summary>One redirect URI as it is; several as <c>regexp=(a|b)</c> with every character of each taken literally.</summary>
    public static string CallbackPattern(IReadOnlyList<string> redirectUris) =>
        redirectUris.Count == 1 ? redirectUris[0] : "regexp=(" + string.Join('|', redirectUris.Select(EscapeLiteral)) + ")";

    private static string EscapeLiteral(string value)
    {
        var escaped = new StringBuilder();
        foreach (var c in value)
        {
            if ("\\^$.|?*+()[]{}/-".Contains(c, StringComparison.Ordinal))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    private async Task<string?> ManagementTokenAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is { } cached && cached.Until > DateTimeOffset.UtcNow)
            {
                return cached.Token;
            }

            var url = _apiBase + "/oauth2/token";
            using var message = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = ManagementScope }),
            };
            message.Headers.Authorization = ClientSecretBasic.Header(_asgardeo.ClientId!, _asgardeo.ClientSecret!);
            try
            {
                using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
                var text = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                using var json = JsonDocument.Parse(text);
                if (!response.IsSuccessStatusCode || !json.RootElement.TryGetProperty("access_token", out var accessToken) || accessToken.GetString() is not { Length: > 0 } value)
                {
                    LogFailed(url, $"HTTP {(int)response.StatusCode} without an access token");
                    return null;
                }

                var lifetime = json.RootElement.TryGetProperty("expires_in", out var expires) && expires.TryGetInt32(out var seconds) ? seconds : 300;
                _token = (value, DateTimeOffset.UtcNow.AddSeconds(Math.Max(0, lifetime - 60)));
                return value;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                LogFailed(url, ex is TaskCanceledException ? "no answer within 15 s" : ex.Message);
                return null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }

    [LoggerMessage(Diagnostics.EventIds.FrontProviderFailed, LogLevel.Warning, "Asgardeo {Url} failed: {Reason}")]
    private partial void LogFailed(string url, string reason);

    [LoggerMessage(Diagnostics.EventIds.FrontClientRegistered, LogLevel.Information, "Created Asgardeo application {ClientId} with redirect URIs {RedirectUris}.")]
    private partial void LogCreated(string clientId, string redirectUris);
}
