using System.Collections;
using McpAuthProxy.Gateway.Configuration;

namespace McpAuthProxy.Gateway.Upstreams.Stdio;

/// <summary>
/// The environment a spawned MCP server gets: the gateway's own, without the gateway's secrets, plus <c>stdio.env</c>.
/// Withheld: every variable a <c>*_env</c> key of the configuration names (the upstream credential, the introspection and
/// OAuth-front client secrets, the front's key) and every <c>MCP_AUTH_PROXY_*</c> override (which may carry any key,
/// secrets included). A server that needs one of them gets it only by name in <c>stdio.env</c>. Built whole and passed
/// without inheritance, so nothing is added behind it.
/// </summary>
internal static class ChildEnvironment
{
    public const string OverridePrefix = "MCP_AUTH_PROXY_";

    /// <summary>The names of the gateway's own secrets in its environment.</summary>
    public static IReadOnlySet<string> Withheld(GatewayConfig config)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in new[]
        {
            config.UpstreamAuth.ValueEnv,
            config.TokenValidation.Introspection.ClientSecretEnv,
            config.AuthorizationProxy.ClientSecretEnv,
            config.AuthorizationProxy.KeyEnv,
        })
        {
            if (!string.IsNullOrEmpty(name))
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>The whole environment of the child: inherited minus withheld, then <c>stdio.env</c> (which wins).</summary>
    public static Dictionary<string, string?> For(GatewayConfig config, IDictionary? inherited = null)
    {
        var withheld = Withheld(config);
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in inherited ?? Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (!withheld.Contains(name) && !name.StartsWith(OverridePrefix, StringComparison.OrdinalIgnoreCase))
            {
                environment[name] = entry.Value as string;
            }
        }

        foreach (var entry in config.Stdio.Env)
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            environment[entry[..eq]] = entry[(eq + 1)..];
        }

        return environment;
    }
}
