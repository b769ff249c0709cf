using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.Gateway.Authentication;

/// <summary>
/// The issuer's keys and the rules a JWT must pass: signature against the issuer's JWKS (<see cref="IssuerKeys"/>: fetched
/// at start and hourly, and at once, single-flight and rate-limited, when a token names an unknown <c>kid</c>; a key the
/// issuer no longer publishes is refused from that fetch on), <c>iss</c>,
/// <c>aud</c>, <c>exp</c> required, <c>nbf</c>, a clock skew, and an allow-list of asymmetric algorithms. Nothing about the
/// request (not the protocol version) relaxes them. <see cref="BearerAuthenticator"/> applies them.
/// </summary>
internal static class GatewayJwtSetup
{
    /// <summary>The authentication type of the principals the gateway builds.</summary>
    public const string Scheme = "Bearer";

    public static IServiceCollection AddGatewayJwt(this IServiceCollection services, GatewaySettings settings)
    {
        services.AddSingleton<IssuerKeys>();
        services.AddHostedService(sp => sp.GetRequiredService<IssuerKeys>());
        services.AddSingleton<OpaqueTokenIntrospector>();
        services.AddSingleton<BearerAuthenticator>();
        return services;
    }

    /// <summary>The validation rules; the caller adds the key source (<see cref="TokenValidationParameters.ConfigurationManager"/>).</summary>
    public static TokenValidationParameters Parameters(GatewaySettings settings, GatewayEndpoints endpoints) => new()
    {
        ValidateIssuer = true,
        ValidIssuer = settings.Issuer,
        ValidateAudience = true,
        AudienceValidator = (audiences, _, _) =>
        {
            var accepted = endpoints.AcceptedAudiences();
            return audiences.Any(accepted.Contains);
        },
        ValidateLifetime = true,
        RequireExpirationTime = true,
        ClockSkew = settings.ClockSkew,
        RequireSignedTokens = true,
        ValidateIssuerSigningKey = true,
        ValidAlgorithms = settings.Algorithms,
        NameClaimType = "sub",
        AuthenticationType = Scheme,
    };
}
