using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Metadata;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.Gateway.Authentication;

/// <summary>
/// JwtBearer over an IdentityModel ConfigurationManager: signature against the issuer's JWKS (cached, refetched on an
/// unknown <c>kid</c> at most once per refresh interval), <c>iss</c>, <c>aud</c>, <c>exp</c> required, <c>nbf</c>, a clock
/// skew, and an allow-list of asymmetric algorithms. Nothing about the request (not the protocol version) relaxes it.
/// </summary>
internal static class GatewayJwtSetup
{
    public const string Scheme = JwtBearerDefaults.AuthenticationScheme;

    public static IServiceCollection AddGatewayJwt(this IServiceCollection services, GatewaySettings settings, GatewayEndpoints endpoints)
    {
        var backchannel = new HttpClient { Timeout = TimeSpan.FromSeconds(10), MaxResponseContentBufferSize = 1 << 20 };
        backchannel.DefaultRequestHeaders.UserAgent.ParseAdd("mcp-auth-proxy-gateway");
        var documents = new HttpDocumentRetriever(backchannel) { RequireHttps = settings.RequireHttpsMetadata };
        var keys = new ConfigurationManager<OpenIdConnectConfiguration>(settings.JwksUri ?? settings.Issuer,
            new IssuerConfigurationRetriever(settings.Issuer, settings.JwksUri), documents)
        {
            AutomaticRefreshInterval = TimeSpan.FromHours(1),
            RefreshInterval = settings.JwksRefreshInterval,
        };
        services.AddSingleton<IConfigurationManager<OpenIdConnectConfiguration>>(keys);

        services.AddAuthentication(Scheme).AddJwtBearer(Scheme, options =>
        {
            options.ConfigurationManager = keys;
            options.RefreshOnIssuerKeyNotFound = true;
            options.RequireHttpsMetadata = settings.RequireHttpsMetadata;
            options.MapInboundClaims = false;
            options.IncludeErrorDetails = false;
            options.SaveToken = false;
            options.TokenValidationParameters = new TokenValidationParameters
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
            };
        });
        return services;
    }
}
