using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using McpAuthProxy.DevIdentity;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Hosting;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Demo.Stack;

/// <summary>Where the demo listens: fixed ports so a desktop client's configuration keeps working; 0 for ephemeral ones.</summary>
public sealed record DemoStackOptions
{
    public int IdentityProviderPort { get; init; } = 9400;
    public int GatewayPort { get; init; } = 9401;

    /// <summary>The command that starts the sample MCP server over stdio (this executable's <c>sample-server</c>).</summary>
    public required IReadOnlyList<string> SampleServerCommand { get; init; }

    public ILoggerFactory? LoggerFactory { get; init; }
    public LogLevel GatewayLogLevel { get; init; } = LogLevel.Warning;
}

/// <summary>
/// The whole flow on loopback: the embedded identity provider, and the gateway in front of the sample MCP server
/// (spawned over stdio, one process per session), with <c>admin_reset</c> guarded by the extra scope <c>mcp:admin</c> and
/// listed to every caller (<c>hide_unauthorized: false</c>), so that a stock client can call it and meet the step-up.
/// </summary>
public sealed class DemoStack : IAsyncDisposable
{
    /// <summary>The scope that only the guarded tool needs.</summary>
    public const string AdminScope = "mcp:admin";

    private DemoStack(DevIdentityServer identity, GatewayHost gateway)
    {
        Identity = identity;
        Gateway = gateway;
    }

    public DevIdentityServer Identity { get; }

    public GatewayHost Gateway { get; }

    /// <summary>The MCP endpoint clients connect to.</summary>
    public Uri McpUrl => new(Gateway.BaseUrl.AbsoluteUri.TrimEnd('/') + "/mcp");

    public static async Task<DemoStack> StartAsync(DemoStackOptions options, CancellationToken cancellationToken)
    {
        var identity = await DevIdentityServer.StartAsync(new DevIdentityOptions
        {
            ListenUrl = new Uri($"http://127.0.0.1:{options.IdentityProviderPort}"),
            LoggerFactory = options.LoggerFactory,
        }, cancellationToken).ConfigureAwait(false);
        try
        {
            var loaded = GatewayConfigLoader.Load(GatewayYaml(identity.Issuer, options.SampleServerCommand), new Dictionary<string, string>());
            if (!loaded.Succeeded)
            {
                throw new InvalidOperationException("The demo's gateway configuration is invalid: " + string.Join("; ", loaded.Errors));
            }

            var gateway = await GatewayHost.StartAsync(GatewaySettings.From(loaded.Config!), new GatewayHostOptions
            {
                Urls = $"http://127.0.0.1:{options.GatewayPort}",
                MinimumLogLevel = options.GatewayLogLevel,
            }, cancellationToken).ConfigureAwait(false);
            return new DemoStack(identity, gateway);
        }
        catch
        {
            await identity.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The gateway's configuration, in open-mcp-auth-proxy's config.yaml keys, as a user would write it.</summary>
    public static string GatewayYaml(Uri issuer, IReadOnlyList<string> sampleServer)
    {
        static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        var args = string.Join(", ", sampleServer.Skip(1).Select(Quote));
        return $"""
            listen_host: 127.0.0.1
            listen_port: 9401
            transport_mode: stdio
            paths:
              streamable_http: /mcp
            stdio:
              enabled: true
              user_command: {Quote(sampleServer[0])}
              args: [{args}]
            cors:
              allowed_origins: ["http://localhost:6274", "http://127.0.0.1:6274"]
            protected_resource_metadata:
              authorization_servers: [{Quote(issuer.AbsoluteUri)}]
              scopes_supported:
                - tools/call:
                  - admin_reset: ["{AdminScope}"]
            # admin_reset stays in tools/list, so that a client calling it gets 403 insufficient_scope and can step up.
            hide_unauthorized: false
            token_validation:
              issuer: {Quote(issuer.AbsoluteUri)}
            """;
    }

    /// <summary>What runs where, and how to point a desktop client at it.</summary>
    /// <param name="bridgeCommand">How the bridge is started on this machine: <c>"command"</c>, then the arguments before the server URL.</param>
    public string Describe(IReadOnlyList<string> bridgeCommand)
    {
        static string Json(string value) => "\"" + JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping) + "\"";
        var args = string.Join(", ", bridgeCommand.Skip(1).Append(McpUrl.AbsoluteUri).Select(Json));
        var user = Identity.User;
        var text = new StringBuilder();
        text.AppendLine("mcp-auth-proxy demo: everything on 127.0.0.1");
        text.AppendLine($"  identity provider  {Identity.Issuer}  (user {user.UserName} / password {user.Password})");
        text.AppendLine($"  gateway            {McpUrl}  (MCP authorization; admin_reset needs {AdminScope})");
        text.AppendLine("  sample MCP server  stdio, one process per session (tools: echo, add, current_time, admin_reset)");
        text.AppendLine();
        text.AppendLine("Claude Desktop / Cursor (mcpServers), with the bridge:");
        text.AppendLine($$"""
            {
              "mcpServers": {
                "demo": {
                  "command": {{Json(bridgeCommand[0])}},
                  "args": [{{args}}],
                  "env": {
                    "OIDC_ISSUER_URL": "{{Identity.Issuer}}",
                    "OIDC_CLIENT_ID": "mcp-bridge",
                    "OIDC_SCOPES": "openid offline_access mcp:tools",
                    "OIDC_REDIRECT_URL": "http://127.0.0.1:8976/callback",
                    "MCP_PROXY_RESOURCE": "{{McpUrl}}"
                  }
                }
              }
            }
            """);
        text.AppendLine($"Or with no configuration at all (discovery and registration): \"command\": {Json(bridgeCommand[0])}, \"args\": [{args}], no \"env\".");
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync().ConfigureAwait(false);
        await Identity.DisposeAsync().ConfigureAwait(false);
    }
}
