using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>
/// The diagnostics listener: its own Kestrel server on <c>diagnostics.listen</c>, apart from the public one, so that
/// nothing it serves can be reached on the public port and no public middleware runs in front of it. It serves
/// <c>GET /metrics</c> (Prometheus text format, from the gateway's MeterProvider), <c>/healthz</c> (200 while the
/// process runs) and <c>/readyz</c> (200 when every <see cref="IReadinessCheck"/> is ready, else 503 naming the
/// others); everything else is 404.
/// </summary>
internal sealed partial class DiagnosticsServer(
    IPEndPoint listen,
    MeterProvider? meterProvider,
    IEnumerable<IReadinessCheck> readiness,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly IReadinessCheck[] _readiness = readiness.ToArray();
    private readonly ILogger _logger = loggerFactory.CreateLogger<DiagnosticsServer>();
    private WebApplication? _app;

    /// <summary>The bound address (port 0 resolved), e.g. <c>http://127.0.0.1:9464</c>; null before start.</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(listen);
        });
        var app = builder.Build();
        if (meterProvider is not null)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider, predicate: null, path: "/metrics", configureBranchedPipeline: null, optionsName: null);
        }

        app.Run(HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"diagnostics.listen {listen} cannot be bound ({e.Message}); set diagnostics.listen to a free address, e.g. 127.0.0.1:9465, or off", e);
        }

        _app = app;
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Address = bound is null ? null : new Uri(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        LogListening(Address?.ToString().TrimEnd('/') ?? listen.ToString());
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _app, null) is { } app)
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        switch (context.Request.Path.Value)
        {
            case "/healthz":
                await context.Response.WriteAsync("ok\n", context.RequestAborted).ConfigureAwait(false);
                break;
            case "/readyz":
                var waiting = new List<string>();
                foreach (var check in _readiness)
                {
                    if (!await check.IsReadyAsync(context.RequestAborted).ConfigureAwait(false))
                    {
                        waiting.Add(check.Name);
                    }
                }

                context.Response.StatusCode = waiting.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
                await context.Response.WriteAsync(waiting.Count == 0 ? "ready\n" : "not ready: " + string.Join(", ", waiting) + "\n", context.RequestAborted).ConfigureAwait(false);
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                break;
        }
    }
}
