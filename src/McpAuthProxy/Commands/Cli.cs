using System.CommandLine;

namespace McpAuthProxy.Commands;

/// <summary>Builds the whole command tree. Each subcommand is created by its own class.</summary>
internal static class Cli
{
    public static RootCommand Build()
    {
        var root = ConnectCommand.CreateRoot();
        root.Subcommands.Add(ConnectCommand.Create());
        root.Subcommands.Add(GatewayCommand.Create());
        root.Subcommands.Add(DevIdpCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(SampleServerCommand.Create());
        foreach (var command in TokenCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }
}
