using System.CommandLine;
using McpAuthProxy.Commands;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Testing;

namespace McpAuthProxy.Tests.FirstHour;

/// <summary>Every command's --help, walked from the command tree itself: the usage, arguments and options of that command only.</summary>
public sealed class HelpShapeTests
{
    /// <summary>Each command by its words after "mcp-auth-proxy" ("" for the root).</summary>
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string> { "" };
        foreach (var command in Cli.Build().Subcommands.Where(c => !c.Hidden))
        {
            data.Add(command.Name);
        }

        return data;
    }

    private static Command Find(string name) => name.Length == 0 ? Cli.Build() : Cli.Build().Subcommands.Single(c => c.Name == name);

    private static string[] Words(string name) => name.Length == 0 ? [] : [name];

    /// <summary>The lines under a heading such as "Options:", up to the blank line that ends the section.</summary>
    private static List<string> Section(string help, string heading)
    {
        var lines = help.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var start = lines.FindIndex(l => l.StartsWith(heading, StringComparison.Ordinal));
        return start < 0 ? [] : lines.Skip(start + 1).TakeWhile(l => l.Length > 0).ToList();
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_shows_the_usage_arguments_and_options_of_that_command_only(string name)
    {
        var command = Find(name);

        var help = await CliRun.RunAsync([.. Words(name), "--help"]);
        var shortHelp = await CliRun.RunAsync([.. Words(name), "-h"]);

        Assert.Equal(0, help.ExitCode);
        Assert.Empty(help.ErrorLines);
        Assert.Equal(help.Output, shortHelp.Output);
        var prefix = name.Length == 0 ? "  mcp-auth-proxy " : $"  mcp-auth-proxy {name} ";
        var usage = Section(help.Output, "Usage:");
        Assert.NotEmpty(usage);
        // A subcommand's usage never carries the root's server URL in front of the command.
        Assert.All(usage, line => Assert.StartsWith(prefix, line, StringComparison.Ordinal));
        var arguments = Section(help.Output, "Arguments:").Where(l => l.StartsWith("  <", StringComparison.Ordinal)).ToList();
        Assert.Equal(command.Arguments.Where(a => !a.Hidden).Select(a => $"<{a.Name}>"), arguments.Select(l => l.Trim().Split(' ')[0]));
        // Each row's names: "-h, --help", "--listen, --urls <URL>".
        var optionNames = Section(help.Output, "Options:").Where(l => l.StartsWith("  -", StringComparison.Ordinal))
            .Select(l => l.Trim().Split("  ")[0].Split(" <")[0].Split(", "))
            .ToList();
        foreach (var option in command.Options.Where(o => !o.Hidden))
        {
            Assert.Single(optionNames, names => names.Contains(option.Name));
        }

        // Only double-dash names and single letters: open-mcp-auth-proxy's "-config" forms are accepted but not shown.
        Assert.All(optionNames.SelectMany(n => n), n => Assert.True(n.StartsWith("--", StringComparison.Ordinal) || n.Length == 2, n));
        Assert.Equal(optionNames.Count, optionNames.Select(n => string.Join(',', n)).Distinct().Count());
    }

    [Fact]
    public async Task Root_help_lists_every_command_with_its_arguments_and_the_bridge_usage()
    {
        var help = await CliRun.RunAsync("--help");

        var usage = Section(help.Output, "Usage:");
        Assert.Equal(["  mcp-auth-proxy [options] <URL>", "  mcp-auth-proxy <command> [options]"], usage);
        var commands = Section(help.Output, "Commands:").Where(l => l.StartsWith("  ", StringComparison.Ordinal) && l[2] != ' ').Select(l => l.Trim()).ToList();
        Assert.Contains(commands, l => l.StartsWith("connect <URL> ", StringComparison.Ordinal));
        Assert.Contains(commands, l => l.StartsWith("login [URL] ", StringComparison.Ordinal));
        Assert.Contains(commands, l => l.StartsWith("logout [URL] ", StringComparison.Ordinal));
        Assert.Contains(commands, l => l.StartsWith("status [URL] ", StringComparison.Ordinal));
        foreach (var command in Cli.Build().Subcommands.Where(c => !c.Hidden))
        {
            Assert.Single(commands, l => l.Split(' ')[0] == command.Name);
        }
    }

    [Fact]
    public async Task Connect_and_login_show_the_server_url_once()
    {
        foreach (var name in new[] { "connect", "login" })
        {
            var help = await CliRun.RunAsync(name, "--help");

            Assert.Single(Section(help.Output, "Usage:"));
            Assert.Single(Section(help.Output, "Arguments:"), l => l.Contains("<URL>", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Gateway_help_shows_double_dash_flags_the_single_dash_note_and_every_environment_override()
    {
        var help = await CliRun.RunAsync("gateway", "--help");

        var options = string.Join('\n', Section(help.Output, "Options:"));
        foreach (var flag in new[] { "--config <PATH>", "--stdio", "--debug", "--asgardeo", "--demo", "--listen, --urls <URL>" })
        {
            Assert.Contains(flag, options, StringComparison.Ordinal);
        }

        Assert.Contains("single-dash spellings work too: -config, -stdio, -debug, -asgardeo, -demo, -listen", help.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        var environment = string.Join(' ', Section(help.Output, "Environment").Select(l => l.Trim()));
        foreach (var (section, keys) in GatewayConfigLoader.Keys)
        {
            var variable = "MCP_AUTH_PROXY_" + (section.Length == 0 ? "" : section.ToUpperInvariant().Replace(".", "__", StringComparison.Ordinal) + "__") + "<KEY>";
            Assert.Contains(variable, environment, StringComparison.Ordinal);
            foreach (var key in keys.Where(k => !GatewayConfigLoader.Keys.ContainsKey(section.Length == 0 ? k : $"{section}.{k}") && k is not ("mcp_paths" or "mcp_server_base_url")))
            {
                Assert.Matches($"(^| ){key}(,| |$)", environment);
            }
        }
    }

    [Fact]
    public async Task The_executable_prints_the_same_help_and_one_line_for_a_mistake()
    {
        var inProcess = await CliRun.RunAsync("gateway", "--help");
        await using var help = ChildProcess.StartProxy(["gateway", "--help"]);
        await using var mistake = ChildProcess.StartProxy(["dev-idp", "--port", "abc"]);

        Assert.Equal(0, await help.WaitForExitAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, await mistake.WaitForExitAsync(TestContext.Current.CancellationToken));
        Assert.Equal(inProcess.Output.ReplaceLineEndings("\n").TrimEnd(), string.Join('\n', help.StdoutLines).TrimEnd());
        Assert.Equal("mcp-auth-proxy dev-idp: --port takes a port number from 0 to 65535 (0 picks a free one), e.g. --port 4400; 'abc' is not one.", Assert.Single(mistake.StderrLines));
        Assert.Empty(mistake.StdoutLines);
    }
}
