using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.Gateway.Authentication;

/// <summary>
/// The issuer's keys and the rules a JWT must pass: signature against the issuer's JWKS (an IdentityModel
/// ConfigurationManager: cached, refetched on an unknown <c>kid</c> at most once per refresh interval; a key the issuer
/// no longer publishes is refused from that refetch on), <c>iss</c>,
/// <c>aud</c>, <c>exp</c> required, <c>nbf</c>, a clock skew, and an allow-list of asymmetric algorithms. Nothing about the
/// request (not the protocol version) relaxes them. <see cref="BearerAuthenticator"/> applies them.
/// </summary>
internal static class GatewayJwtSetup
{
    /// <summary>The authentication type of the principals the gateway builds.</summary>
    public const string Scheme = "Bearer";

    public static IServiceCollection AddGatewayJwt(this IServiceCollection services, GatewaySettings settings)
    {
        var backchannel = new HttpClient { Timeout = TimeSpan.FromSeconds(10), MaxResponseContentBufferSize = 1 << 20 };
        backchannel.DefaultRequestHeaders.UserAgent.ParseAdd("mcp-auth-proxy-gateway");
        var documents = new HttpDocumentRetriever(backchannel) { RequireHttps = settings.RequireHttpsMetadata };
        var keys = new ConfigurationManager<OpenIdConnectConfiguration>(settings.JwksUri ?? settings.Issuer,
            new IssuerConfigurationRetriever(settings.Issuer, settings.JwksUri), documents)
        {
            AutomaticRefreshInterval = TimeSpan.FromHours(1),
            RefreshInterval = settings.JwksRefreshInterval,
            // IdentityModel would otherwise keep accepting a key the issuer has dropped for up to an hour (its "last
            // known good" key set). A failed refetch keeps the current keys anyway, so this only takes away the grace.
            UseLastKnownGoodConfiguration = false,
        };
        services.AddSingleton<IConfigurationManager<OpenIdConnectConfiguration>>(keys);
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
