using System.CommandLine;
using McpAuthProxy.Gateway.Hosting;

namespace McpAuthProxy.Commands;

/// <summary><c>mcp-auth-proxy gateway</c>: open-mcp-auth-proxy's flags (single or double dash) plus --config and --urls.</summary>
internal static class GatewayCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config", "-config") { Description = "Path to config.yaml (default: ./config.yaml)" };
        var stdio = new Option<bool>("--stdio", "-stdio") { Description = "Front a stdio MCP server (transport_mode: stdio)" };
        var debug = new Option<bool>("--debug", "-debug") { Description = "Debug logging" };
        var asgardeo = new Option<bool>("--asgardeo", "-asgardeo") { Description = "Asgardeo mode (the asgardeo: block)" };
        var demo = new Option<bool>("--demo", "-demo") { Description = "Demo mode with the embedded identity provider" };
        var urls = new Option<string?>("--urls", "--listen", "-listen") { Description = "Listen address, overriding listen_port (e.g. http://127.0.0.1:0)" };
        var command = new Command("gateway", "Run the gateway: MCP authorization in front of an MCP server (reads open-mcp-auth-proxy's config.yaml)")
        {
            config, stdio, debug, asgardeo, demo, urls,
        };
        command.SetAction((parse, ct) => parse.GetValue(demo)
            ? DemoCommand.RunAsync(9400, 9401, ct)
            : GatewayApplication.RunAsync(new GatewayRunOptions
        {
            ConfigPath = parse.GetValue(config) ?? "config.yaml",
            Stdio = parse.GetValue(stdio),
            Debug = parse.GetValue(debug),
            Asgardeo = parse.GetValue(asgardeo),
            Demo = parse.GetValue(demo),
            Urls = parse.GetValue(urls),
        }, ct));
        return command;
    }
}
