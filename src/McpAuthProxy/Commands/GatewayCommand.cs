using System.CommandLine;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Hosting;

namespace McpAuthProxy.Commands;

/// <summary><c>mcp-auth-proxy gateway</c>: open-mcp-auth-proxy's flags (single or double dash) plus --config and --urls.</summary>
internal static class GatewayCommand
{
    public static Command Create(CommandHelp help)
    {
        var config = ValueOptions.Text("--config", "PATH", "the path of a config.yaml file", "config.yaml",
            "Path to config.yaml, open-mcp-auth-proxy's keys [default: ./config.yaml]", "-config");
        var stdio = new Option<bool>("--stdio", "-stdio") { Description = "Front a stdio MCP server (transport_mode: stdio, stdio.enabled: true)" };
        var debug = new Option<bool>("--debug", "-debug") { Description = "Debug logging (never tokens)" };
        var asgardeo = new Option<bool>("--asgardeo", "-asgardeo") { Description = "Asgardeo mode (the asgardeo: block)" };
        var demo = new Option<bool>("--demo", "-demo") { Description = "Run the demo instead: the embedded identity provider and the sample server behind the gateway, as 'mcp-auth-proxy demo'" };
        var urls = ValueOptions.Text("--listen", "URL", "an http:// listen address with a port", "http://127.0.0.1:9090",
            "Listen address, overriding listen_host and listen_port, e.g. http://127.0.0.1:9090 (port 0 picks a free one)", "-listen", "--urls");
        urls.Validators.Add(result =>
        {
            foreach (var url in (result.GetValueOrDefault<string?>() ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.IsDefaultPort && !url.Contains($":{uri.Port}", StringComparison.Ordinal))
                {
                    result.AddError(UsageErrors.WrongValue(result.IdentifierToken?.Value ?? "--listen", (IValueOption)result.Option, url));
                }
            }
        });
        var command = new Command("gateway", "Run the gateway: MCP authorization in front of an MCP server, configured by open-mcp-auth-proxy's config.yaml")
        {
            config, stdio, debug, asgardeo, demo, urls,
        };
        help.Describe(command,
            notes: $"For example: {GatewayConfigLoader.EnvironmentPrefix}LISTEN_PORT=9090 {GatewayConfigLoader.EnvironmentPrefix}TOKEN_VALIDATION__CACHE_SECONDS=0 mcp-auth-proxy gateway --config config.yaml\n"
                + "open-mcp-auth-proxy's single-dash spellings work too: -config, -stdio, -debug, -asgardeo, -demo, -listen.",
            environment: ("Environment (each variable overrides its config.yaml key, and wins over the file; lists are comma-separated):", EnvironmentOverrides()));
        command.SetAction((parse, ct) => parse.GetValue(demo)
            ? DemoCommand.RunAsync(DemoCommand.DefaultIdentityProviderPort, DemoCommand.DefaultGatewayPort, parse.InvocationConfiguration, ct)
            : GatewayApplication.RunAsync(new GatewayRunOptions
            {
                ConfigPath = parse.GetValue(config) ?? "config.yaml",
                Stdio = parse.GetValue(stdio),
                Debug = parse.GetValue(debug),
                Asgardeo = parse.GetValue(asgardeo),
                Urls = parse.GetValue(urls),
                Error = parse.InvocationConfiguration.Error,
            }, ct));
        return command;
    }

    /// <summary>MCP_AUTH_PROXY_&lt;PATH&gt; for every key the configuration loader reads, one line per section.</summary>
    private static List<(string Name, string Meaning)> EnvironmentOverrides()
    {
        var prefix = GatewayConfigLoader.EnvironmentPrefix;
        var rows = new List<(string Name, string Meaning)>();
        var sections = GatewayConfigLoader.Keys;
        foreach (var (section, keys) in sections.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            // Sections have their own line; open-mcp-auth-proxy 1.0's keys are only warned about.
            var leaves = keys.Where(k => !sections.ContainsKey(section.Length == 0 ? k : $"{section}.{k}") && k is not ("mcp_paths" or "mcp_server_base_url")).ToList();
            var name = section.Length == 0 ? $"{prefix}<KEY>" : $"{prefix}{section.ToUpperInvariant().Replace(".", "__", StringComparison.Ordinal)}__<KEY>";
            rows.Add((name, string.Join(", ", leaves)));
        }

        return rows;
    }
}
