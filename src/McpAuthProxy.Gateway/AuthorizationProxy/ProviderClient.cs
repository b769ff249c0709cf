using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpAuthProxy.Gateway.Authentication;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.OAuth.Tokens;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>Where the front sends users and code exchanges at the identity provider.</summary>
internal sealed record ProviderEndpoints(string AuthorizationEndpoint, string TokenEndpoint, bool IssParameterSupported);

/// <summary>What a call to the provider gave: tokens, the provider's own OAuth error, or a failure of the provider itself.</summary>
internal sealed record ProviderAnswer(JsonObject? Tokens, string? Error, string? ErrorDescription)
{
    public static ProviderAnswer Failed(string error, string description) => new(null, error, description);
}

/// <summary>
/// The front's side of the identity provider: its endpoints (configured, or from its discovery document) and the token
/// requests made with the gateway's own client. Every call has <c>provider_timeout_seconds</c>; a provider that cannot be
/// reached or answers 502-504 gives <c>temporarily_unavailable</c>, one that answers garbage gives <c>server_error</c>,
/// and either is logged with the provider's URL. The provider's own OAuth errors (e.g. <c>invalid_grant</c>) pass through.
/// </summary>
internal sealed partial class ProviderClient : IDisposable
{
    private readonly GatewaySettings _settings;
    private readonly FrontSettings _front;
    private readonly ILogger<ProviderClient> _logger;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (ProviderEndpoints Endpoints, DateTimeOffset Until)? _cached;

    public ProviderClient(GatewaySettings settings, TimeProvider time, ILogger<ProviderClient> logger)
    {
        _settings = settings;
        _time = time;
        _front = settings.Front!;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            Timeout = _front.ProviderTimeout,
            MaxResponseContentBufferSize = 1 << 20,
        };
    }

    public string Issuer => _settings.Issuer;

    /// <summary>The provider's endpoints, or null (logged) when its metadata cannot be had.</summary>
    public async Task<ProviderEndpoints?> GetEndpointsAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } cached && cached.Until > _time.GetUtcNow())
        {
            return cached.Endpoints;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is { } again && again.Until > _time.GetUtcNow())
            {
                return again.Endpoints;
            }

            var configured = _settings.Config.Default.AuthorizationServerResponse;
            string? Configured(string field) => configured?.GetValueOrDefault(field) is string { Length: > 0 } value ? value : null;
            string? Mapped(string path) => _settings.Config.Default.BaseUrl is { } baseUrl && _settings.Config.PathMapping.TryGetValue(path, out var mapped)
                ? baseUrl.TrimEnd('/') + mapped : null;

            var authorize = Configured("authorization_endpoint") ?? Mapped("/authorize");
            var token = Configured("token_endpoint") ?? Mapped("/token");
            var issSupported = false;
            if (authorize is null || token is null || configured is null)
            {
                using var discovery = await DiscoverAsync(cancellationToken).ConfigureAwait(false);
                if (discovery is not null)
                {
                    var root = discovery.RootElement;
                    authorize ??= root.TryGetProperty("authorization_endpoint", out var a) ? a.GetString() : null;
                    token ??= root.TryGetProperty("token_endpoint", out var t) ? t.GetString() : null;
                    issSupported = root.TryGetProperty("authorization_response_iss_parameter_supported", out var iss) && iss.ValueKind == JsonValueKind.True;
                }
            }

            if (_settings.Config.Default.BaseUrl is { } fallback)
            {
                authorize ??= fallback.TrimEnd('/') + "/authorize";
                token ??= fallback.TrimEnd('/') + "/token";
            }

            if (authorize is null || token is null)
            {
                return null;
            }

            var endpoints = new ProviderEndpoints(authorize, token, issSupported);
            _cached = (endpoints, _time.GetUtcNow().AddMinutes(10));
            return endpoints;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<JsonDocument?> DiscoverAsync(CancellationToken cancellationToken)
    {
        foreach (var url in IssuerConfigurationRetriever.DiscoveryUrls(_settings.Issuer, oauthFirst: false))
        {
            try
            {
                using var response = await _http.GetAsync(url, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    LogProviderFailed(url, $"HTTP {(int)response.StatusCode}");
                    continue;
                }

                var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("issuer", out var issuer) && issuer.ValueKind == JsonValueKind.String
                    && issuer.GetString()!.TrimEnd('/') == _settings.Issuer.TrimEnd('/'))
                {
                    return document;
                }

                document.Dispose();
                LogProviderFailed(url, "its metadata names another issuer");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                LogProviderFailed(url, Describe(ex));
            }
        }

        return null;
    }

    /// <summary>A token request to the provider with the gateway's client authentication and <c>/token</c>'s addBodyParams.</summary>
    public async Task<ProviderAnswer> RequestTokenAsync(ProviderEndpoints endpoints, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        var form = parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var (name, value) in _settings.Config.Default.TokenBodyParams)
        {
            form[name] = value;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoints.TokenEndpoint);
        if (_front.ClientSecret is { } secret && _front.ClientAuth == "client_secret_basic")
        {
            request.Headers.Authorization = ClientSecretBasic.Header(_front.ClientId, secret);
        }
        else
        {
            form["client_id"] = _front.ClientId;
            if (_front.ClientSecret is { } postSecret)
            {
                form["client_secret"] = postSecret;
            }
        }

        request.Content = new FormUrlEncodedContent(form);
        request.Headers.Accept.ParseAdd("application/json");
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)
            {
                LogProviderFailed(endpoints.TokenEndpoint, $"HTTP {(int)response.StatusCode}");
                return ProviderAnswer.Failed("temporarily_unavailable", "The identity provider is unavailable; try again shortly.");
            }

            JsonObject? json = null;
            try
            {
                json = JsonNode.Parse(body) as JsonObject;
            }
            catch (JsonException)
            {
            }

            if (response.IsSuccessStatusCode && json?["access_token"] is JsonValue accessToken && accessToken.TryGetValue<string>(out var value) && value.Length > 0)
            {
                return new ProviderAnswer(json, null, null);
            }

            if (!response.IsSuccessStatusCode && json?["error"] is JsonValue error && error.TryGetValue<string>(out var code))
            {
                var description = json["error_description"] is JsonValue d && d.TryGetValue<string>(out var text) ? text : null;
                LogProviderRefused(endpoints.TokenEndpoint, code, description ?? "");
                return ProviderAnswer.Failed(code, description ?? "The identity provider refused the request.");
            }

            LogProviderFailed(endpoints.TokenEndpoint, $"HTTP {(int)response.StatusCode} with no usable token response ({body.Length} bytes)");
            return ProviderAnswer.Failed("server_error", "The identity provider gave an answer the gateway could not use.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogProviderFailed(endpoints.TokenEndpoint, Describe(ex));
            return ProviderAnswer.Failed("temporarily_unavailable", "The identity provider could not be reached; try again shortly.");
        }
    }

    private string Describe(Exception ex) => ex is TaskCanceledException ? $"no answer within {_front.ProviderTimeout.TotalSeconds:0} s" : ex.Message;

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }

    [LoggerMessage(Diagnostics.EventIds.FrontProviderFailed, LogLevel.Warning, "Identity provider {Url} failed: {Reason}")]
    private partial void LogProviderFailed(string url, string reason);

    [LoggerMessage(Diagnostics.EventIds.FrontRequestRefused, LogLevel.Information, "Identity provider {Url} refused a token request: {Error} {Description}")]
    private partial void LogProviderRefused(string url, string error, string description);
}
