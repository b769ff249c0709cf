using System.CommandLine;

namespace McpAuthProxy.Commands;

internal static class DevIdpCommand
{
    public static Command Create()
    {
        var command = new Command("dev-idp", "Not available yet.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("mcp-auth-proxy: 'dev-idp' is not available in this build.");
            return 1;
        });
        return command;
    }
}
