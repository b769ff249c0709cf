using System.CommandLine;

namespace McpAuthProxy.Commands;

internal static class TokenCommands
{
    public static IEnumerable<Command> Create() => [];
}
