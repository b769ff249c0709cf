using McpAuthProxy.Commands;

namespace McpAuthProxy.Tests.FirstHour;

/// <summary>What one command line printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, IReadOnlyList<string> ErrorLines)
{
    public string Error => string.Join('\n', ErrorLines);
}

/// <summary>
/// Runs a command line in this process, exactly as the executable's Main does (same parser, same commands), with its
/// own stdout and stderr: a few milliseconds instead of the 100-200 ms of a child process.
/// </summary>
public static class CliRun
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        // A command line that was wrongly accepted would start a server; it fails the test by exit code instead of hanging.
        limit.CancelAfter(TimeSpan.FromSeconds(20));
        var code = await Cli.RunAsync(args, output, error, handleSignals: false, limit.Token);
        return new CliResult(code, output.ToString(), error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
