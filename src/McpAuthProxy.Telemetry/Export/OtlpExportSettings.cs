using System.Globalization;
using OpenTelemetry.Exporter;

namespace McpAuthProxy.Telemetry.Export;

/// <summary>
/// OTLP export as the standard <c>OTEL_*</c> variables describe it, read once from an injected environment: traces
/// and metrics are exported only when an endpoint is set for them (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> for both,
/// <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> / <c>_METRICS_ENDPOINT</c> for one). The protocol defaults to
/// <c>http/protobuf</c>, as the OpenTelemetry specification says (the .NET SDK's own default is grpc).
/// </summary>
public sealed record OtlpExportSettings
{
    public static OtlpExportSettings None { get; } = new();

    /// <summary><c>OTEL_SDK_DISABLED=true</c>: no spans, no metrics, no export of any kind (Prometheus included).</summary>
    public bool SdkDisabled { get; init; }

    public OtlpSignalSettings? Traces { get; init; }

    public OtlpSignalSettings? Metrics { get; init; }

    /// <summary><c>OTEL_METRIC_EXPORT_INTERVAL</c> (default 60 s).</summary>
    public TimeSpan MetricExportInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary><c>OTEL_SERVICE_NAME</c>, else the caller's default.</summary>
    public string? ServiceName { get; init; }

    /// <summary><c>OTEL_RESOURCE_ATTRIBUTES</c>, decoded.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> ResourceAttributes { get; init; } = [];

    /// <summary>
    /// Reads the settings from <paramref name="environment"/> (a variable's value, or null when unset). Every problem
    /// is added to <paramref name="errors"/> with the variable and its fix; a signal with a problem is not exported.
    /// </summary>
    public static OtlpExportSettings Read(Func<string, string?> environment, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(errors);
        if (string.Equals(Value(environment, "OTEL_SDK_DISABLED"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return new OtlpExportSettings { SdkDisabled = true };
        }

        var timeout = Milliseconds(environment, "OTEL_EXPORTER_OTLP_TIMEOUT", TimeSpan.FromSeconds(10), errors);
        return new OtlpExportSettings
        {
            Traces = Signal(environment, "TRACES", "/v1/traces", timeout, errors),
            Metrics = Signal(environment, "METRICS", "/v1/metrics", timeout, errors),
            MetricExportInterval = Milliseconds(environment, "OTEL_METRIC_EXPORT_INTERVAL", TimeSpan.FromSeconds(60), errors),
            ServiceName = Value(environment, "OTEL_SERVICE_NAME"),
            ResourceAttributes = ResourceAttributesFrom(Value(environment, "OTEL_RESOURCE_ATTRIBUTES"), errors),
        };
    }

    /// <summary>Reads the settings from the process environment.</summary>
    public static OtlpExportSettings FromProcessEnvironment(ICollection<string> errors) => Read(Environment.GetEnvironmentVariable, errors);

    private static OtlpSignalSettings? Signal(Func<string, string?> environment, string signal, string path, TimeSpan timeout, ICollection<string> errors)
    {
        var exporter = Value(environment, $"OTEL_{signal}_EXPORTER");
        if (exporter is not null && exporter.Split(',').Select(e => e.Trim()).Contains("none", StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        var protocolVariable = Value(environment, $"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL") is not null
            ? $"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL"
            : "OTEL_EXPORTER_OTLP_PROTOCOL";
        OtlpExportProtocol protocol;
        switch (Value(environment, protocolVariable))
        {
            case null or "http/protobuf":
                protocol = OtlpExportProtocol.HttpProtobuf;
                break;
            case "grpc":
                protocol = OtlpExportProtocol.Grpc;
                break;
            case var other:
                errors.Add($"{protocolVariable} '{other}' is not supported; write http/protobuf or grpc");
                return null;
        }

        var specificVariable = $"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT";
        Uri? endpoint;
        if (Value(environment, specificVariable) is { } specific)
        {
            // A signal's own endpoint is used as it is.
            endpoint = HttpUrl(specificVariable, specific, errors);
        }
        else if (Value(environment, "OTEL_EXPORTER_OTLP_ENDPOINT") is { } common)
        {
            endpoint = HttpUrl("OTEL_EXPORTER_OTLP_ENDPOINT", common, errors);
            if (endpoint is not null && protocol == OtlpExportProtocol.HttpProtobuf)
            {
                // The common endpoint is a base: OTLP/HTTP appends the signal's path to it.
                endpoint = new Uri(endpoint.AbsoluteUri.TrimEnd('/') + path);
            }
        }
        else
        {
            return null;
        }

        if (endpoint is null)
        {
            return null;
        }

        var headers = Value(environment, $"OTEL_EXPORTER_OTLP_{signal}_HEADERS") ?? Value(environment, "OTEL_EXPORTER_OTLP_HEADERS");
        var signalTimeout = Value(environment, $"OTEL_EXPORTER_OTLP_{signal}_TIMEOUT") is not null
            ? Milliseconds(environment, $"OTEL_EXPORTER_OTLP_{signal}_TIMEOUT", timeout, errors)
            : timeout;
        return new OtlpSignalSettings(endpoint, protocol, headers, signalTimeout);
    }

    private static Uri? HttpUrl(string variable, string value, ICollection<string> errors)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            return url;
        }

        errors.Add($"{variable} '{value}' is not an http(s) URL; write e.g. http://127.0.0.1:4318 (OTLP/HTTP) or http://127.0.0.1:4317 with OTEL_EXPORTER_OTLP_PROTOCOL=grpc");
        return null;
    }

    private static TimeSpan Milliseconds(Func<string, string?> environment, string variable, TimeSpan fallback, ICollection<string> errors)
    {
        if (Value(environment, variable) is not { } value)
        {
            return fallback;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        errors.Add($"{variable} '{value}' is not a positive number of milliseconds; write e.g. {variable}={(int)fallback.TotalMilliseconds}");
        return fallback;
    }

    /// <summary><c>key1=value1,key2=value2</c> with percent-encoded values, as the OpenTelemetry specification gives it.</summary>
    private static KeyValuePair<string, object>[] ResourceAttributesFrom(string? value, ICollection<string> errors)
    {
        if (value is null)
        {
            return [];
        }

        var attributes = new List<KeyValuePair<string, object>>();
        foreach (var pair in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                errors.Add($"OTEL_RESOURCE_ATTRIBUTES entry '{pair}' is not key=value; write e.g. OTEL_RESOURCE_ATTRIBUTES=deployment.environment.name=prod,service.namespace=mcp");
                continue;
            }

            attributes.Add(new(pair[..equals].Trim(), Uri.UnescapeDataString(pair[(equals + 1)..].Trim())));
        }

        return [.. attributes];
    }

    private static string? Value(Func<string, string?> environment, string name) =>
        environment(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
