using System.CommandLine;
using System.Reflection;
using McpAuthProxy.Commands;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.OAuth;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Hosting;

/// <summary>How commands report failure: one line per problem on stderr, exit code 1, no stack trace for a user's mistake.</summary>
internal static class CommandOutput
{
    public static string Version { get; } =
        typeof(CommandOutput).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Writes each problem as "mcp-auth-proxy &lt;command&gt;: problem" and returns exit code 1.</summary>
    public static int Fail(TextWriter error, ParseResult parse, IEnumerable<string> errors)
    {
        var prefix = CommandHelp.PathOf(parse.CommandResult.Command);
        foreach (var problem in errors)
        {
            error.WriteLine(ConfigProblem.OneLine($"{prefix}: {problem}"));
        }

        return 1;
    }

    /// <summary>Runs <paramref name="body"/>; an unexpected exception becomes one line (the stack only with --debug) and exit 1.</summary>
    /// <remarks>The line goes to <paramref name="error"/> (the invocation's writer; stderr when null), prefixed with
    /// <paramref name="prefix"/> (the command's path, e.g. "mcp-auth-proxy login").</remarks>
    public static async Task<int> GuardAsync(CommandLogging logging, Func<Task<int>> body, TextWriter? error = null, string prefix = "mcp-auth-proxy")
    {
        error ??= Console.Error;
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        catch (OAuthException e)
        {
            error.WriteLine(ConfigProblem.OneLine($"{prefix}: {e.Message}"));
            return 1;
        }
        catch (Exception e)
        {
            error.WriteLine(ConfigProblem.OneLine($"{prefix}: unexpected error: {e.Message}"));
            if (logging.Level <= LogLevel.Debug)
            {
                error.WriteLine(e.ToString());
            }

            return 1;
        }
    }
}
