using System.CommandLine;

namespace McpAuthProxy.Commands;

internal static class ConnectCommand
{
    public static RootCommand CreateRoot() => new("mcp-auth-proxy");

    public static Command Create() => new("connect", "Run the bridge.");
}
