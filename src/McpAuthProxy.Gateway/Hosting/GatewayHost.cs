using McpAuthProxy.Gateway.Authentication;
using McpAuthProxy.Gateway.AuthorizationProxy;
using McpAuthProxy.Gateway.Authorization;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Metadata;
using McpAuthProxy.Gateway.Transport;
using McpAuthProxy.Gateway.Upstreams;
using McpAuthProxy.Gateway.Upstreams.Http;
using McpAuthProxy.Gateway.Upstreams.Stdio;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace McpAuthProxy.Gateway.Hosting;

/// <summary>How to host the gateway: where to listen and how to log. Null means "from the configuration".</summary>
public sealed record GatewayHostOptions
{
    /// <summary>Overrides <c>listen_host</c>/<c>listen_port</c>, e.g. <c>http://127.0.0.1:0</c> for tests.</summary>
    public string? Urls { get; init; }

    /// <summary>Replaces the default stderr console logging.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;

    /// <summary>The clock of the authorization proxy's expiries (consents, states, codes); tests move it.</summary>
    public TimeProvider? TimeProvider { get; init; }
}

/// <summary>
/// A running gateway: built from validated <see cref="GatewaySettings"/>, started on its addresses, stopped gracefully.
/// Start one in-process with <see cref="StartAsync"/> and read <see cref="BaseUrl"/> (port 0 is resolved).
/// </summary>
public sealed partial class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The address the gateway is bound to (no trailing slash), e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseUrl { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<GatewayHost> StartAsync(GatewaySettings settings, GatewayHostOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new GatewayHostOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        // A start failure (a port in use) is thrown to the caller, which reports it in one line; the host's own log of
        // it would add a stack trace for what is a user's mistake.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        // The MCP SDK's transports log each stdio session's start and stop at Information; the gateway logs its own line.
        builder.Logging.AddFilter("ModelContextProtocol", options.MinimumLogLevel <= LogLevel.Debug ? LogLevel.Debug : LogLevel.Warning);
        if (options.ConfigureLogging is { } configureLogging)
        {
            configureLogging(builder.Logging);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.AddServerHeader = false;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownGrace);

        var endpoints = new GatewayEndpoints(settings);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(endpoints);
        builder.Services.AddSingleton(new ScopePolicy(settings.Scopes, settings.Config.ScopeHierarchy, settings.Config.HideUnauthorized ?? true));
        builder.Services.AddSingleton(new SessionBindings(TimeProvider.System, settings.MaxSessionsPerSubject));
        builder.Services.AddSingleton<UpstreamCredential>();
        builder.Services.AddSingleton<OriginPolicy>();
        builder.Services.AddSingleton<MetadataEndpoints>();
        builder.Services.AddSingleton<McpEndpoint>();
        builder.Services.AddSingleton<AuthorizationServerPaths>();
        builder.Services.AddGatewayJwt(settings);
        if (settings.Front is not null)
        {
            builder.Services.AddSingleton(options.TimeProvider ?? TimeProvider.System);
            builder.Services.AddSingleton<ProviderClient>();
            builder.Services.AddSingleton<FrontEndpoints>();
        }

        if (settings.RegistersAtAsgardeo)
        {
            builder.Services.AddSingleton<AsgardeoApplications>();
        }

        if (settings.Upstream == UpstreamKind.Http)
        {
            builder.Services.AddHttpForwarder();
            builder.Services.AddSingleton<IMcpUpstream, HttpUpstream>();
        }
        else
        {
            builder.Services.AddSingleton<StdioUpstream>();
            builder.Services.AddSingleton<IMcpUpstream>(sp => sp.GetRequiredService<StdioUpstream>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<StdioUpstream>());
        }

        var app = builder.Build();
        app.Urls.Clear();
        foreach (var url in (options.Urls ?? $"http://{settings.ListenHost}:{settings.ListenPort}").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            app.Urls.Add(url);
        }

        Map(app, settings);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        endpoints.SetBoundAddress(address);
        return new GatewayHost(app, new Uri(address.TrimEnd('/')));
    }

    private static void Map(WebApplication app, GatewaySettings settings)
    {
        var origins = app.Services.GetRequiredService<OriginPolicy>();
        var metadata = app.Services.GetRequiredService<MetadataEndpoints>();
        var mcp = app.Services.GetRequiredService<McpEndpoint>();
        var keys = app.Services.GetRequiredService<IssuerKeys>();

        if (settings.TrustedProxies.Count > 0)
        {
            // Behind a reverse proxy every request comes from the proxy: take the client's address from the proxy's
            // X-Forwarded-For (its last entry, which the trusted proxy wrote), so that per-address limits and logs see
            // clients. Scheme and host stay as they are: public URLs come from proxy_base_url.
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor, ForwardLimit = 1 };
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in settings.TrustedProxies)
            {
                forwarded.KnownIPNetworks.Add(network);
            }

            app.Use((context, next) =>
            {
                ClientAddressHeaders.MarkPeer(context);
                return next(context);
            });
            app.UseForwardedHeaders(forwarded);
        }

        app.Use((context, next) => origins.InvokeAsync(context, next));

        app.MapGet("/healthz", (RequestDelegate)(context => context.Response.WriteAsync("ok")));
        app.MapGet("/readyz", (RequestDelegate)(async context =>
        {
            OpenIdConnectConfiguration? configuration = null;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                configuration = await keys.GetAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
            }

            var ready = configuration is { SigningKeys.Count: > 0 };
            context.Response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync(ready ? "ready" : configuration is null ? "issuer keys unavailable" : "no signing keys", context.RequestAborted).ConfigureAwait(false);
        }));

        const string Prm = "/.well-known/oauth-protected-resource";
        app.MapGet(Prm, (RequestDelegate)(context => metadata.WriteProtectedResourceAsync(context, settings.PrimaryPath)));
        foreach (var path in new[] { settings.StreamableHttpPath, settings.SsePath }.Distinct(StringComparer.Ordinal))
        {
            var mcpPath = path;
            app.MapGet(Prm + mcpPath, (RequestDelegate)(context => metadata.WriteProtectedResourceAsync(context, mcpPath)));
        }

        if (settings.Front is not null)
        {
            var front = app.Services.GetRequiredService<FrontEndpoints>();
            app.MapGet("/.well-known/oauth-authorization-server", (RequestDelegate)front.WriteMetadataAsync);
            app.MapGet("/.well-known/openid-configuration", (RequestDelegate)front.WriteMetadataAsync);
            app.MapGet("/authorize", (RequestDelegate)front.AuthorizeAsync);
            app.MapPost(FrontEndpoints.ConsentPath, (RequestDelegate)front.ConsentAsync);
            app.MapGet(settings.Front.CallbackPath, (RequestDelegate)front.CallbackAsync);
            app.MapPost("/token", (RequestDelegate)front.TokenAsync);
            app.MapPost("/register", (RequestDelegate)front.RegisterAsync);
        }
        else
        {
            app.MapGet("/.well-known/oauth-authorization-server", (RequestDelegate)metadata.WriteAuthorizationServerAsync);
        }

        if (settings.RegistersAtAsgardeo)
        {
            var asgardeo = app.Services.GetRequiredService<AsgardeoApplications>();
            var registration = new RegistrationEndpoint(settings.Config.AuthorizationProxy.RegistrationRateLimit ?? 10, asgardeo.RegisterAsync,
                app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<RegistrationEndpoint>());
            app.MapPost("/register", (RequestDelegate)registration.HandleAsync);
        }

        if (settings.ProxiesAuthorizationPaths)
        {
            var authorizationPaths = app.Services.GetRequiredService<AuthorizationServerPaths>();
            app.MapGet("/authorize", (RequestDelegate)authorizationPaths.AuthorizeAsync);
            app.MapPost("/token", (RequestDelegate)authorizationPaths.TokenAsync);
            app.MapPost("/register", (RequestDelegate)authorizationPaths.RegisterAsync);
        }

        string[] streamableMethods = ["POST", "GET", "DELETE"];
        app.MapMethods(settings.StreamableHttpPath, streamableMethods, (RequestDelegate)(context => mcp.HandleAsync(context, McpRoute.StreamableHttp)));
        {
            app.MapGet(settings.SsePath, (RequestDelegate)(context => mcp.HandleAsync(context, McpRoute.LegacySse)));
            app.MapPost(settings.MessagesPath, (RequestDelegate)(context => mcp.HandleAsync(context, McpRoute.LegacyMessages)));
            app.MapPost(settings.MessagesPath + "/{**rest}", (RequestDelegate)(context => mcp.HandleAsync(context, McpRoute.LegacyMessages)));
        }
    }

    /// <summary>Logs what this gateway protects, for whom, and where it forwards.</summary>
    public void LogStarted()
    {
        var settings = _app.Services.GetRequiredService<GatewaySettings>();
        var endpoints = _app.Services.GetRequiredService<GatewayEndpoints>();
        var logger = _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("McpAuthProxy.Gateway");
        LogGatewayStarted(logger, endpoints.ResourceFor(settings.PrimaryPath), settings.Issuer,
            settings.Upstream == UpstreamKind.Http ? settings.UpstreamBaseUrl!.ToString() : string.Join(' ', settings.StdioCommand), settings.TransportMode);
        if (settings.Front is { } front)
        {
            LogFrontStarted(logger, endpoints.PublicBase, front.ClientId, endpoints.PublicBase + front.CallbackPath);
        }
    }

    [LoggerMessage(Diagnostics.EventIds.Listening, LogLevel.Information,
        "OAuth front: MCP clients sign in at {Issuer}; the gateway signs users in as client {ClientId}, whose redirect URI at the provider must be {Callback}.")]
    private static partial void LogFrontStarted(ILogger logger, string issuer, string clientId, string callback);

    [LoggerMessage(Diagnostics.EventIds.Listening, LogLevel.Information, "Gateway for {Resource}: tokens from {Issuer}; upstream {Upstream} ({TransportMode}).")]
    private static partial void LogGatewayStarted(ILogger logger, string resource, string issuer, string upstream, string transportMode);

    /// <summary>Completes when the host is asked to stop (Ctrl+C, SIGTERM, or the token).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
