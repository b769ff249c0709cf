using System.Reflection;
using McpAuthProxy.OAuth;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Hosting;

/// <summary>How commands report failure: one line per problem on stderr, exit code 1, no stack trace for a user's mistake.</summary>
internal static class CommandOutput
{
    public static string Version { get; } =
        typeof(CommandOutput).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static int Fail(IEnumerable<string> errors)
    {
        foreach (var error in errors)
        {
            Console.Error.WriteLine($"mcp-auth-proxy: {error}");
        }

        return 1;
    }

    /// <summary>Runs <paramref name="body"/>; an unexpected exception becomes one line (the stack only with --debug) and exit 1.</summary>
    public static async Task<int> GuardAsync(CommandLogging logging, Func<Task<int>> body)
    {
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
            return Fail([e.Message]);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"mcp-auth-proxy: unexpected error: {e.Message}");
            if (logging.Level <= LogLevel.Debug)
            {
                Console.Error.WriteLine(e.ToString());
            }

            return 1;
        }
    }
}
