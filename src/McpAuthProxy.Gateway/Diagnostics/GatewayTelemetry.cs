using System.Diagnostics;

namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>
/// The gateway's ActivitySource and Meter name (one name for both, as OpenTelemetry's own instrumentations do). A
/// TracerProvider or MeterProvider that adds this name sees every span and instrument of the gateway.
/// </summary>
public static class GatewayTelemetry
{
    public const string Name = "McpAuthProxy.Gateway";

    /// <summary>Spans: the server span of each MCP request, its upstream call, token validation and key fetches.</summary>
    internal static ActivitySource Source { get; } = new(Name, typeof(GatewayTelemetry).Assembly.GetName().Version?.ToString(3));

    /// <summary>An INTERNAL span around a bearer token's validation, under the current request's span (null without tracing).</summary>
    internal static Activity? StartTokenValidation() => Source.StartActivity("validate token", ActivityKind.Internal);

    /// <summary>A CLIENT span around a fetch of the issuer's metadata or signing keys from <paramref name="url"/>.</summary>
    internal static Activity? StartKeyFetch(Uri url, string trigger)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Source.HasListeners())
        {
            return null;
        }

        return Source.StartActivity("fetch signing keys", ActivityKind.Client, default(ActivityContext),
        [
            new(Telemetry.Conventions.McpAttributes.ServerAddress, url.IdnHost),
            new(Telemetry.Conventions.McpAttributes.ServerPort, url.Port),
            new(GatewayAttributes.RefreshTrigger, trigger),
        ]);
    }
}
