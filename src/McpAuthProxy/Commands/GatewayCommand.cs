using System.CommandLine;

namespace McpAuthProxy.Commands;

internal static class GatewayCommand
{
    public static Command Create()
    {
        var command = new Command("gateway", "Not available yet.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("mcp-auth-proxy: 'gateway' is not available in this build.");
            return 1;
        });
        return command;
    }
}
