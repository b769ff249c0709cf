using System.CommandLine;

namespace McpAuthProxy.Commands;

internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Not available yet.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("mcp-auth-proxy: 'demo' is not available in this build.");
            return 1;
        });
        return command;
    }
}
