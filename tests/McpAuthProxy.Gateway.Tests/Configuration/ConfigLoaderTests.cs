using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Hosting;

namespace McpAuthProxy.Gateway.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    private static string ShippedConfigPath => Path.Combine(AppContext.BaseDirectory, "Configuration", "Resources", "open-mcp-auth-proxy.config.yaml");

    private const string Minimal = """
        base_url: "http://localhost:8000"
        default:
          base_url: "https://idp.example.com"
        """;

    private static IReadOnlyList<ConfigProblem> Errors(string yaml) => GatewayConfigLoader.Load(yaml, NoEnvironment).Errors;

    [Fact]
    public void Config_yaml_shipped_with_open_mcp_auth_proxy_loads_with_its_meanings()
    {
        var result = GatewayConfigLoader.LoadFile(ShippedConfigPath, NoEnvironment);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var settings = GatewaySettings.From(result.Config!);
        Assert.Equal(8080, settings.ListenPort);
        Assert.Equal(new Uri("http://localhost:8000"), settings.UpstreamBaseUrl);
        Assert.Equal("sse", settings.TransportMode);
        Assert.Equal("/sse", settings.SsePath);
        Assert.Equal("/messages", settings.MessagesPath);
        Assert.Equal("/mcp", settings.StreamableHttpPath);
        Assert.Equal("https://api.asgardeo.io/t/openmcpauthdemo/oauth2/token", settings.Issuer);
        Assert.Equal("https://api.asgardeo.io/t/openmcpauthdemo/oauth2/jwks", settings.JwksUri);
        Assert.Equal("http://localhost:8080/sse", settings.ResourceIdentifier);
        Assert.Equal("2xGW_poFYoObUE_vUQxvGdPSUPwa", settings.Audience);
        Assert.Equal(["mcp_init", "mcp_echo_tool"], settings.Scopes.AllScopes());
        Assert.Equal(["http://127.0.0.1:6274", "http://localhost:6274"], settings.AllowedOrigins);
        Assert.Contains(result.Warnings, w => w.Key == "protected_resource_metadata.bearer_methods_supported");
    }

    [Fact]
    public void Shipped_scope_map_requires_the_tool_scope_for_that_tool_only()
    {
        var settings = GatewaySettings.From(GatewayConfigLoader.LoadFile(ShippedConfigPath, NoEnvironment).Config!);
        var policy = new McpAuthProxy.Gateway.Authorization.ScopePolicy(settings.Scopes);

        Assert.Equal(["mcp_echo_tool"], policy.RequiredFor("tools/call", "echo_tool"));
        Assert.Empty(policy.RequiredFor("tools/call", "other_tool"));
        Assert.Equal(["mcp_init"], policy.RequiredFor("initialize", null));
        Assert.Empty(policy.RequiredFor("tools/list", null));
    }

    [Fact]
    public void Missing_file_is_one_error_naming_the_path_and_the_fix()
    {
        var result = GatewayConfigLoader.LoadFile(Path.Combine(Path.GetTempPath(), "no-such-dir", "config.yaml"), NoEnvironment);

        var error = Assert.Single(result.Errors);
        Assert.Equal("config", error.Key);
        Assert.Contains("no-such-dir", error.Message, StringComparison.Ordinal);
        Assert.Contains("--config", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_yaml_reports_the_line()
    {
        var error = Assert.Single(Errors("listen_port: 8080\n  bad: [indent"));

        Assert.Contains("line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_file_reports_the_missing_authorization_server_and_does_not_crash()
    {
        var result = GatewayConfigLoader.Load("", NoEnvironment);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Key == "protected_resource_metadata.authorization_servers");
        Assert.Contains(result.Warnings, w => w.Key == "listen_port");
    }

    [Fact]
    public void Every_problem_of_a_broken_file_is_reported_at_once_with_its_key_and_a_fix()
    {
        var errors = Errors("""
            listen_port: 0
            base_url: "localhost:8000"
            transport_mode: "websocket"
            paths:
              streamable_http: "mcp"
            cors:
              allowed_origins: ["http://localhost:6274/app"]
            token_validation:
              algorithms: ["RS256", "HS256", "none"]
              clock_skew_seconds: 9000
              cache_seconds: -1
            protected_resource_metadata:
              scopes_supported:
                - tools/call:
                  - echo:
            """);

        var keys = errors.Select(e => e.Key).ToList();
        Assert.Contains("listen_port", keys);
        Assert.Contains("base_url", keys);
        Assert.Contains("transport_mode", keys);
        Assert.Contains("paths.streamable_http", keys);
        Assert.Contains("cors.allowed_origins[0]", keys);
        Assert.Contains("token_validation.algorithms[1]", keys);
        Assert.Contains("token_validation.algorithms[2]", keys);
        Assert.Contains("token_validation.clock_skew_seconds", keys);
        Assert.Contains("token_validation.cache_seconds", keys);
        Assert.Contains("protected_resource_metadata.scopes_supported.tools/call.echo", keys);
        Assert.Contains("protected_resource_metadata.authorization_servers", keys);
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Fix)));
    }

    [Theory]
    [InlineData("listen_port: eighty", "listen_port", "whole number")]
    [InlineData("listen_port: 70000", "listen_port", "not a port the gateway can listen on")]
    [InlineData("transport_mode: stdio", "stdio.user_command", "required in stdio mode")]
    [InlineData("transport_mode: stdio", "stdio.enabled", "not true")]
    [InlineData("stdio: { enabled: true, user_command: 'node x', env: ['NOEQUALS'] }\ntransport_mode: stdio", "stdio.env[0]", "NAME=value")]
    [InlineData("protected_resource_metadata: { authorization_servers: ['not a url'] }", "protected_resource_metadata.authorization_servers[0]", "absolute http(s) URL")]
    [InlineData("cors: { allowed_origins: 'http://a' , allow_credentials: maybe }", "cors.allow_credentials", "true or false")]
    [InlineData("upstream_auth: { header: X-Api-Key }", "upstream_auth", "exactly one of value_file and value_env")]
    [InlineData("upstream_auth: { value_env: SURELY_NOT_SET_GATEWAY_VAR }", "upstream_auth.value_env", "is not set")]
    [InlineData("upstream_auth: { value_file: /nonexistent/secret }", "upstream_auth.value_file", "does not exist")]
    [InlineData("provider: { type: keycloak, base_url: 'https://kc.example.com' }", "provider.realm", "required for provider type")]
    [InlineData("authorization_proxy: { client_secret: x }", "authorization_proxy.client_id", "required")]
    [InlineData("authorization_proxy: { client_id: g, client_secret: s, client_auth: private_key_jwt }", "authorization_proxy.client_auth", "not a client authentication method")]
    [InlineData("authorization_proxy: { client_id: g, client_auth: client_secret_post }", "authorization_proxy.client_auth", "needs a client secret")]
    [InlineData("authorization_proxy: { client_id: g, callback_path: /mcp }", "authorization_proxy.callback_path", "already a route")]
    [InlineData("authorization_proxy: { client_id: g, key_env: SURELY_NOT_SET_GATEWAY_KEY }", "authorization_proxy.key_env", "is not set")]
    [InlineData("authorization_proxy: { client_id: g, consent_days: 0 }", "authorization_proxy.consent_days", "outside 1..400")]
    [InlineData("authorization_proxy: { client_id: g, consent_rate_limit: 0 }", "authorization_proxy.consent_rate_limit", "outside 1..10000")]
    [InlineData("trusted_proxies: [\"10.0.0.0/8\", \"proxy.internal\"]", "trusted_proxies[1]", "not an IP address or network")]
    [InlineData("authorization_proxy: { client_id: g }\nproxy_base_url: 'http://gateway.example.com'", "proxy_base_url", "plain http")]
    [InlineData("provider: { type: okta }", "provider.type", "not a provider")]
    [InlineData("paths: { sse: /mcp }", "paths.streamable_http", "also paths.sse")]
    [InlineData("max_body_bytes: 10", "max_body_bytes", "too small")]
    [InlineData("stdio: { enabled: true, user_command: 'no-such-command-gateway-test --x' }\ntransport_mode: stdio", "stdio.user_command", "not an executable file or on PATH")]
    [InlineData("token_validation: { issuer: 'https://idp.example.com', introspection: { endpoint: 'https://idp.example.com/introspect' } }", "token_validation.introspection.client_id", "must authenticate")]
    public void Each_broken_key_gets_its_own_message(string yaml, string key, string message)
    {
        var errors = Errors(Minimal + "\n" + yaml);

        Assert.Contains(errors, e => e.Key == key && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_key_is_a_warning_with_a_suggestion()
    {
        var result = GatewayConfigLoader.Load(Minimal + "\nlisten_prot: 9090", NoEnvironment);

        Assert.True(result.Succeeded);
        var warning = Assert.Single(result.Warnings, w => w.Key == "listen_prot");
        Assert.Contains("listen_port", warning.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_variables_override_keys_at_any_depth()
    {
        var environment = new Dictionary<string, string>
        {
            ["MCP_AUTH_PROXY_LISTEN_PORT"] = "9191",
            ["MCP_AUTH_PROXY_PROTECTED_RESOURCE_METADATA__AUDIENCE"] = "my-api",
            ["MCP_AUTH_PROXY_CORS__ALLOWED_ORIGINS"] = "http://a.example.com, http://b.example.com",
        };

        var result = GatewayConfigLoader.Load(Minimal + "\ncors: { allowed_origins: ['http://c.example.com'] }", environment);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(9191, result.Config!.ListenPort);
        Assert.Equal("my-api", result.Config.ProtectedResourceMetadata.Audience);
        Assert.Equal(["http://a.example.com", "http://b.example.com"], result.Config.Cors.AllowedOrigins);
    }

    [Fact]
    public void Stdio_flag_forces_stdio_mode_and_enables_it_before_validation()
    {
        var yaml = Minimal + "\nstdio: { user_command: 'sh server.js --flag \"two words\"' }";

        var result = GatewayConfigLoader.Load(yaml, NoEnvironment, c => GatewayApplication.ApplyFlags(c, new GatewayRunOptions { Stdio = true }));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var settings = GatewaySettings.From(result.Config!);
        Assert.Equal(UpstreamKind.Stdio, settings.Upstream);
        Assert.Equal(["sh", "server.js", "--flag", "two words"], settings.StdioCommand);
    }

    [Theory]
    [InlineData("provider: { type: keycloak, base_url: 'https://kc.example.com/', realm: mcp }", "https://kc.example.com/realms/mcp")]
    [InlineData("provider: { type: auth0, domain: tenant.us.auth0.com }", "https://tenant.us.auth0.com/")]
    [InlineData("provider: { type: entra, tenant_id: abc }", "https://login.microsoftonline.com/abc/v2.0")]
    [InlineData("provider: { type: asgardeo, org_name: acme }", "https://api.asgardeo.io/t/acme/oauth2/token")]
    [InlineData("token_validation: { issuer: 'https://explicit.example.com' }", "https://explicit.example.com")]
    public void Provider_presets_derive_the_issuer(string yaml, string issuer)
    {
        var result = GatewayConfigLoader.Load("base_url: http://localhost:8000\n" + yaml, NoEnvironment);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(issuer, GatewaySettings.From(result.Config!).Issuer);
    }

    [Fact]
    public void Asgardeo_mode_derives_issuer_and_jwks_from_the_org_name()
    {
        var result = GatewayConfigLoader.Load("asgardeo: { org_name: acme, client_id: x, client_secret: y }", NoEnvironment,
            c => GatewayApplication.ApplyFlags(c, new GatewayRunOptions { Asgardeo = true }));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var settings = GatewaySettings.From(result.Config!);
        Assert.Equal("https://api.asgardeo.io/t/acme/oauth2/token", settings.Issuer);
        Assert.Equal("https://api.asgardeo.io/t/acme/oauth2/jwks", settings.JwksUri);
    }
}
