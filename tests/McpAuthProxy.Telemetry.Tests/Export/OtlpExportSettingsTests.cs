using McpAuthProxy.Telemetry.Export;
using OpenTelemetry.Exporter;

namespace McpAuthProxy.Telemetry.Tests.Export;

public sealed class OtlpExportSettingsTests
{
    private static OtlpExportSettings Read(List<string> errors, params (string Name, string Value)[] variables)
    {
        var environment = variables.ToDictionary(v => v.Name, v => v.Value);
        return OtlpExportSettings.Read(name => environment.GetValueOrDefault(name), errors);
    }

    [Fact]
    public void Nothing_is_exported_without_an_endpoint()
    {
        var errors = new List<string>();
        var settings = Read(errors, ("OTEL_SERVICE_NAME", "gw"));

        Assert.Null(settings.Traces);
        Assert.Null(settings.Metrics);
        Assert.Empty(errors);
    }

    [Fact]
    public void The_common_endpoint_is_a_base_for_otlp_http_and_used_as_is_for_grpc()
    {
        var errors = new List<string>();
        var http = Read(errors, ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"));
        var grpc = Read(errors, ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));

        Assert.Equal("http://collector:4318/v1/traces", http.Traces!.Endpoint.AbsoluteUri);
        Assert.Equal("http://collector:4318/v1/metrics", http.Metrics!.Endpoint.AbsoluteUri);
        Assert.Equal(OtlpExportProtocol.HttpProtobuf, http.Traces.Protocol);
        Assert.Equal("http://collector:4317/", grpc.Traces!.Endpoint.AbsoluteUri);
        Assert.Equal(OtlpExportProtocol.Grpc, grpc.Metrics!.Protocol);
        Assert.Empty(errors);
    }

    [Fact]
    public void A_signals_own_endpoint_is_used_as_is_and_turns_on_that_signal_alone()
    {
        var errors = new List<string>();
        var settings = Read(errors,
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://traces.example.com/custom/path"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api-key=abc"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"));

        Assert.Equal("https://traces.example.com/custom/path", settings.Traces!.Endpoint.AbsoluteUri);
        Assert.Equal("api-key=abc", settings.Traces.Headers);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), settings.Traces.Timeout);
        Assert.Null(settings.Metrics);
    }

    [Fact]
    public void A_signals_exporter_set_to_none_or_the_sdk_disabled_turns_export_off()
    {
        var errors = new List<string>();
        var settings = Read(errors, ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_METRICS_EXPORTER", "none"));
        var disabled = Read(errors, ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_SDK_DISABLED", "TRUE"));

        Assert.NotNull(settings.Traces);
        Assert.Null(settings.Metrics);
        Assert.Null(disabled.Traces);
        Assert.Null(disabled.Metrics);
        Assert.True(disabled.SdkDisabled);
        Assert.False(settings.SdkDisabled);
    }

    [Fact]
    public void Bad_values_are_each_reported_with_the_variable_and_a_fix()
    {
        var errors = new List<string>();
        var settings = Read(errors,
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
            ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/json"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "soon"),
            ("OTEL_RESOURCE_ATTRIBUTES", "ok=1,broken"));

        Assert.Null(settings.Traces);
        Assert.Null(settings.Metrics);
        Assert.Contains(errors, e => e.StartsWith("OTEL_EXPORTER_OTLP_ENDPOINT 'collector:4318'", StringComparison.Ordinal) && e.Contains("http://", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL 'http/json'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("OTEL_METRIC_EXPORT_INTERVAL 'soon'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("OTEL_RESOURCE_ATTRIBUTES entry 'broken'", StringComparison.Ordinal));
    }

    [Fact]
    public void Resource_attributes_are_percent_decoded()
    {
        var settings = Read([], ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=prod,team=mcp%20ops"));

        Assert.Equal([new("deployment.environment.name", "prod"), new("team", "mcp ops")], settings.ResourceAttributes);
    }
}
