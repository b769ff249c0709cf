using McpAuthProxy.Gateway.Configuration;

namespace McpAuthProxy.Gateway.Upstreams;

/// <summary>The upstream's own credential (<c>upstream_auth</c>), read once at start from a file or an environment variable.</summary>
internal sealed class UpstreamCredential
{
    public UpstreamCredential(GatewaySettings settings)
    {
        var config = settings.Config.UpstreamAuth;
        string? value = null;
        if (config.ValueFile is { } file)
        {
            value = File.ReadAllText(file).Trim();
        }
        else if (config.ValueEnv is { } env)
        {
            value = Environment.GetEnvironmentVariable(env)?.Trim();
        }

        if (!string.IsNullOrEmpty(value))
        {
            Header = config.Header ?? "Authorization";
            Value = (config.ValuePrefix ?? (Header.Equals("Authorization", StringComparison.OrdinalIgnoreCase) ? "Bearer " : "")) + value;
        }
    }

    public string? Header { get; }

    public string? Value { get; }
}
