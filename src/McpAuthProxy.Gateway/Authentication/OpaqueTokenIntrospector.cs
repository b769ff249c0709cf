using System.Security.Claims;
using System.Text.Json;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Metadata;
using McpAuthProxy.OAuth.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.Gateway.Authentication;

/// <summary>
/// RFC 7662 introspection for opaque access tokens (anything that is not a JWT), where configured: the token must be
/// <c>active</c>, from the configured issuer (when <c>iss</c> is given), for this resource (<c>aud</c> required), and not
/// expired. Results are cached briefly in a <see cref="TokenResultCache"/>.
/// </summary>
internal sealed partial class OpaqueTokenIntrospector : IDisposable
{
    private readonly GatewayEndpoints _endpoints;
    private readonly ILogger<OpaqueTokenIntrospector> _logger;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10), MaxResponseContentBufferSize = 1 << 20 };
    private readonly TokenResultCache _cache = new(TimeProvider.System);
    private readonly IntrospectionConfig _config;
    private readonly string? _secret;

    public OpaqueTokenIntrospector(GatewayEndpoints endpoints, ILogger<OpaqueTokenIntrospector> logger)
    {
        _endpoints = endpoints;
        _logger = logger;
        _config = endpoints.Settings.Config.TokenValidation.Introspection;
        _secret = _config.ClientSecret ?? (_config.ClientSecretEnv is { } env ? Environment.GetEnvironmentVariable(env) : null);
    }

    public bool Enabled => _config.Endpoint is not null;

    /// <summary>True for a bearer token that is not shaped like a JWS (three dot-separated parts).</summary>
    public static bool IsOpaque(string token) => token.Count(c => c == '.') != 2;

    public async Task<AuthenticateResult> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (_cache.TryGet(token, stamp: null, out var cached))
        {
            return cached;
        }

        var (result, until) = await IntrospectAsync(token, TimeProvider.System.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        _cache.Add(token, stamp: null, result, until);
        return result;
    }

    private async Task<(AuthenticateResult Result, DateTimeOffset Until)> IntrospectAsync(string token, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = _endpoints.Settings;
        var cacheFor = TimeSpan.FromSeconds(_config.CacheSeconds ?? 30);
        using var request = new HttpRequestMessage(HttpMethod.Post, _config.Endpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["token_type_hint"] = "access_token" }),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Authorization = ClientSecretBasic.Header(_config.ClientId ?? "", _secret);

        JsonDocument document;
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogIntrospectionFailed((int)response.StatusCode);
                return (AuthenticateResult.Fail(new SecurityTokenException("introspection failed")), now);
            }

            document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException)
        {
            LogIntrospectionFailed(0);
            return (AuthenticateResult.Fail(new SecurityTokenException("introspection failed")), now);
        }

        using (document)
        {
            var root = document.RootElement;
            if (!root.TryGetProperty("active", out var active) || active.ValueKind != JsonValueKind.True)
            {
                return (AuthenticateResult.Fail(new SecurityTokenException("the token is not active")), now + cacheFor);
            }

            if (root.TryGetProperty("iss", out var iss) && iss.GetString() != settings.Issuer)
            {
                return (AuthenticateResult.Fail(new SecurityTokenInvalidIssuerException("wrong issuer")), now + cacheFor);
            }

            var audiences = root.TryGetProperty("aud", out var aud)
                ? aud.ValueKind == JsonValueKind.Array ? aud.EnumerateArray().Select(a => a.GetString()).ToList() : [aud.GetString()]
                : [];
            var accepted = _endpoints.AcceptedAudiences();
            if (!audiences.Any(a => a is not null && accepted.Contains(a)))
            {
                return (AuthenticateResult.Fail(new SecurityTokenInvalidAudienceException("wrong audience")), now + cacheFor);
            }

            var until = now + cacheFor;
            if (root.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var expSeconds))
            {
                var expires = DateTimeOffset.FromUnixTimeSeconds(expSeconds);
                if (expires + settings.ClockSkew <= now)
                {
                    return (AuthenticateResult.Fail(new SecurityTokenExpiredException("expired")), now + cacheFor);
                }

                until = expires < until ? expires : until;
            }

            var claims = new List<Claim>();
            foreach (var name in new[] { "sub", "scope", "client_id", "iss", "username" })
            {
                if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    claims.Add(new Claim(name, value.GetString()!));
                }
            }

            if (!claims.Any(c => c.Type == "iss"))
            {
                claims.Add(new Claim("iss", settings.Issuer));
            }

            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, "introspection", "sub", null));
            return (AuthenticateResult.Success(new AuthenticationTicket(principal, GatewayJwtSetup.Scheme)), until);
        }
    }

    public void Dispose() => _http.Dispose();

    [LoggerMessage(Diagnostics.EventIds.IntrospectionFailed, LogLevel.Warning, "Token introspection failed (HTTP {Status}).")]
    private partial void LogIntrospectionFailed(int status);
}
