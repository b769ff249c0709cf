using McpAuthProxy.DevIdentity.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpAuthProxy.DevIdentity.Server;

/// <summary>Builds the web application: Kestrel on loopback, OpenIddict over the in-memory stores, the pages.</summary>
internal static class DevIdentityHost
{
    public static WebApplication Build(DevIdentityOptions options, DevIdentityState state, Uri listenUrl)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(DevIdentityHost).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        var services = builder.Services;
        if (options.LoggerFactory is { } loggerFactory)
        {
            services.AddSingleton(loggerFactory);
        }

        services.AddLogging();
        // Keys for the sign-in cookie live in memory with everything else: nothing is written under ~/.aspnet, and the
        // "No XML encryptor configured" warning a first start printed is gone.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddRoutingCore();
        services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        var clock = options.TimeProvider ?? TimeProvider.System;
        services.AddSingleton(clock);
        services.AddSingleton(state);
        services.AddSingleton(new InMemoryCollection<DevApplication>());
        services.AddSingleton(new InMemoryCollection<DevAuthorization>());
        services.AddSingleton(new InMemoryCollection<DevScope>());
        services.AddSingleton(new InMemoryCollection<DevToken>());

        // Closed registrations first, so OpenIddict's TryAdd factories (which close generics at run time) stay unused.
        services.AddScoped<IOpenIddictApplicationManager>(sp => sp.GetRequiredService<OpenIddictApplicationManager<DevApplication>>());
        services.AddScoped<IOpenIddictAuthorizationManager>(sp => sp.GetRequiredService<OpenIddictAuthorizationManager<DevAuthorization>>());
        services.AddScoped<IOpenIddictScopeManager>(sp => sp.GetRequiredService<OpenIddictScopeManager<DevScope>>());
        services.AddScoped<IOpenIddictTokenManager>(sp => sp.GetRequiredService<OpenIddictTokenManager<DevToken>>());

        services.AddOpenIddict()
            .AddCore(core =>
            {
                core.SetDefaultApplicationEntity<DevApplication>()
                    .SetDefaultAuthorizationEntity<DevAuthorization>()
                    .SetDefaultScopeEntity<DevScope>()
                    .SetDefaultTokenEntity<DevToken>();
                core.ReplaceApplicationStore<DevApplication, InMemoryApplicationStore>(ServiceLifetime.Singleton)
                    .ReplaceAuthorizationStore<DevAuthorization, InMemoryAuthorizationStore>(ServiceLifetime.Singleton)
                    .ReplaceScopeStore<DevScope, InMemoryScopeStore>(ServiceLifetime.Singleton)
                    .ReplaceTokenStore<DevToken, InMemoryTokenStore>(ServiceLifetime.Singleton);
                core.ReplaceApplicationManager<DevApplication, DevApplicationManager>();
            })
            .AddServer(server =>
            {
                if (listenUrl.Port != 0)
                {
                    server.SetIssuer(listenUrl);
                }

                server.SetAuthorizationEndpointUris(DevIdentityEndpoints.AuthorizePath.TrimStart('/'))
                    .SetTokenEndpointUris(DevIdentityEndpoints.TokenPath.TrimStart('/'))
                    .SetDeviceAuthorizationEndpointUris("connect/device")
                    .SetEndUserVerificationEndpointUris(DevIdentityEndpoints.VerifyPath.TrimStart('/'))
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetIntrospectionEndpointUris("connect/introspect");

                server.AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow()
                    .AllowClientCredentialsFlow()
                    .AllowDeviceAuthorizationFlow()
                    .RequireProofKeyForCodeExchange();

                server.RegisterScopes([.. state.Scopes]);
                if (options.Resources is { Count: > 0 } resources)
                {
                    server.RegisterResources([.. resources.Select(r => r.AbsoluteUri)]);
                }
                else
                {
                    server.DisableResourceValidation();
                }

                server.IgnoreResourcePermissions().IgnoreScopePermissions();

                // Access tokens are JWTs signed with an ephemeral RSA key (RS256), not JWEs, so resource servers can
                // read them. Codes and refresh tokens are encrypted with a per-server random AES key.
                server.AddSigningKey(EphemeralKeys.Signing)
                    .AddEncryptionKey(EphemeralKeys.NewEncryptionKey())
                    .DisableAccessTokenEncryption();

                server.SetAccessTokenLifetime(options.AccessTokenLifetime ?? TimeSpan.FromHours(1))
                    .SetRefreshTokenLifetime(options.RefreshTokenLifetime ?? TimeSpan.FromDays(14))
                    .SetRefreshTokenReuseLeeway(TimeSpan.Zero);

                server.Configure(o =>
                {
                    o.TimeProvider = clock;
                    o.CodeChallengeMethods.Clear();
                    o.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
                });

                server.AddEventHandler<OpenIddictServerEvents.HandleConfigurationRequestContext>(handler =>
                    handler.UseInlineHandler(context =>
                    {
                        if (!options.DisableRegistration && (context.Issuer ?? context.Options.Issuer ?? context.BaseUri) is { } issuer)
                        {
                            context.Metadata["registration_endpoint"] = new Uri(issuer, DevIdentityEndpoints.RegisterPath.TrimStart('/')).AbsoluteUri;
                        }

                        // Public native clients (the bridge, registered clients) authenticate with PKCE alone.
                        context.TokenEndpointAuthenticationMethods.Add(ClientAuthenticationMethods.None);
                        return default;
                    }).SetOrder(int.MaxValue - 50_000));

                server.UseAspNetCore()
                    .DisableTransportSecurityRequirement()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough();
            });

        // The ephemeral provider needs no key ring; without this the hosted service that loads one at start still wrote a key
        // file under ~/.aspnet and warned "No XML encryptor configured".
        foreach (var keyRingLoader in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "DataProtectionHostedService").ToList())
        {
            services.Remove(keyRingLoader);
        }

        var app = builder.Build();
        app.Urls.Add(listenUrl.GetLeftPart(UriPartial.Authority));
        app.UseRouting();
        app.UseAuthentication();
        DevIdentityEndpoints.Map(app, registration: !options.DisableRegistration);
        return app;
    }
}
