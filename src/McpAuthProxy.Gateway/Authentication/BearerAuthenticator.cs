using System.Globalization;
using System.Security.Claims;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Metadata;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.Gateway.Authentication;

/// <summary>
/// Decides a request's bearer token: a JWT with IdentityModel's <see cref="JsonWebTokenHandler"/> under the rules of
/// <see cref="GatewayJwtSetup"/>, an opaque token by introspection where configured. A JWT that passed is remembered for
/// <c>token_validation.cache_seconds</c> (60 by default, 0 turns it off), never past its <c>exp</c> and only while the
/// issuer's key set is the one it was checked against: a client sends the same token with every call, and its
/// signature need not be checked on each.
/// </summary>
/// <remarks>
/// No ASP.NET Core authentication scheme is registered on purpose: with one, the framework adds the authentication
/// middleware, which validates the token of every request (a signature check each time) before the gateway can answer
/// from this cache.
/// </remarks>
internal sealed class BearerAuthenticator
{
    private readonly GatewaySettings _settings;
    private readonly OpaqueTokenIntrospector _introspector;
    private readonly IssuerKeys _keys;
    private readonly TokenValidationParameters _parameters;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenResultCache _validated = new(TimeProvider.System);

    public BearerAuthenticator(GatewaySettings settings, GatewayEndpoints endpoints, OpaqueTokenIntrospector introspector, IssuerKeys keys)
    {
        _settings = settings;
        _introspector = introspector;
        _keys = keys;
        _parameters = GatewayJwtSetup.Parameters(settings, endpoints);
    }

    public async Task<AuthenticateResult> AuthenticateAsync(HttpContext context)
    {
        var bearer = BearerToken(context.Request);
        if (bearer is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (_introspector.Enabled && OpaqueTokenIntrospector.IsOpaque(bearer))
        {
            return await _introspector.AuthenticateAsync(bearer, context.RequestAborted).ConfigureAwait(false);
        }

        var keys = await _keys.GetAsync(context.RequestAborted).ConfigureAwait(false);
        if (keys is null)
        {
            return AuthenticateResult.Fail(new IssuerUnavailableException(_keys.Source));
        }

        // The key set is the stamp: when the issuer's keys are fetched again (rotation, an unknown kid) every entry is
        // checked again once.
        var caching = _settings.TokenCacheDuration > TimeSpan.Zero;
        if (caching && _validated.TryGet(bearer, keys, out var cached))
        {
            return cached;
        }

        var token = TokenShape.Read(bearer);
        var result = await ValidateAsync(bearer, keys).ConfigureAwait(false);
        if (!result.Succeeded && token?.Kid is { Length: > 0 } kid && !IssuerKeys.Holds(keys, kid)
            && await _keys.RefreshForUnknownKeyAsync(kid, context.RequestAborted).ConfigureAwait(false) && _keys.Current is { } refreshed)
        {
            // A key the gateway has not seen: the issuer rotated. Judge the token on the keys just fetched.
            keys = refreshed;
            result = await ValidateAsync(bearer, keys).ConfigureAwait(false);
        }

        if (result.Succeeded && token is not null && TokenShape.Problem(token, _settings.RequireAtJwt) is { } problem)
        {
            result = AuthenticateResult.Fail(new TokenShapeException(problem));
        }

        if (caching && result.Succeeded && ExpiresAt(result.Principal) is { } expires)
        {
            var until = TimeProvider.System.GetUtcNow() + _settings.TokenCacheDuration;
            _validated.Add(bearer, keys, result, expires < until ? expires : until);
        }

        return result;
    }

    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    /// <summary>Signature (against <paramref name="keys"/>), issuer, audience, lifetime.</summary>
    private async Task<AuthenticateResult> ValidateAsync(string token, OpenIdConnectConfiguration keys)
    {
        try
        {
            var parameters = _parameters.Clone();
            parameters.IssuerSigningKeys = keys.SigningKeys;
            var validation = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
            return validation.IsValid
                ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(validation.ClaimsIdentity), GatewayJwtSetup.Scheme))
                : AuthenticateResult.Fail(validation.Exception ?? new SecurityTokenValidationException("the token is invalid"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The handler failed in a way it does not report itself.
            return AuthenticateResult.Fail(ex);
        }
    }

    private static DateTimeOffset? ExpiresAt(ClaimsPrincipal? principal) =>
        long.TryParse(principal?.FindFirst("exp")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? seconds < DateTimeOffset.MaxValue.ToUnixTimeSeconds() ? DateTimeOffset.FromUnixTimeSeconds(seconds) : DateTimeOffset.MaxValue
            : null;
}
