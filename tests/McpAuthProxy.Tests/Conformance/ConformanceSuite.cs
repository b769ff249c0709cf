using McpAuthProxy.Testing;

namespace McpAuthProxy.Tests.Conformance;

/// <summary>Runs one scenario of the official MCP conformance suite against the bridge, through the test driver.</summary>
public static class ConformanceSuite
{
    /// <summary>The latest stable release (npm <c>@modelcontextprotocol/conformance</c>).</summary>
    public static string Stable => Path.Combine(RepoPaths.E2E, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");

    /// <summary>The newest prerelease, installed under the alias <c>conformance-next</c>.</summary>
    public static string Next => Path.Combine(RepoPaths.E2E, "node_modules", "conformance-next", "dist", "index.js");

    public static string Driver => Path.Combine(AppContext.BaseDirectory, "McpAuthProxy.ConformanceDriver.dll");

    /// <summary>
    /// A 2025-era desktop client on the TypeScript SDK (tests/e2e/conformance-ts-client.mjs) that starts the bridge over
    /// stdio: what Claude Desktop, VS Code and Inspector are built on.
    /// </summary>
    public static string TypeScriptClient => $"{RepoPaths.Node} {Path.Combine(RepoPaths.E2E, "conformance-ts-client.mjs")} {RepoPaths.ProxyDll}";

    /// <summary>Runs <paramref name="scenario"/>; returns the exit code (0 = every check passed) and the suite's output.</summary>
    public static Task<(int ExitCode, string Output)> RunClientScenarioAsync(string suite, string scenario, string? specVersion, Action<string> log, CancellationToken cancellationToken) =>
        RunClientScenarioAsync(suite, scenario, specVersion, $"dotnet {Driver}", log, cancellationToken);

    /// <summary>Runs <paramref name="scenario"/> with <paramref name="client"/> as the client under test.</summary>
    public static async Task<(int ExitCode, string Output)> RunClientScenarioAsync(string suite, string scenario, string? specVersion, string client, Action<string> log, CancellationToken cancellationToken)
    {
        var results = Path.Combine(Path.GetTempPath(), "mcp-auth-proxy-conformance-results", Guid.NewGuid().ToString("N")[..8]);
        List<string> arguments = [suite, "client", "--command", client, "--scenario", scenario, "--timeout", "90000", "-o", results];
        if (specVersion is not null)
        {
            arguments.AddRange(["--spec-version", specVersion]);
        }

        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var process = ChildProcess.Start(RepoPaths.Node, arguments, new Dictionary<string, string?> { ["NO_COLOR"] = "1", ["FORCE_COLOR"] = "0", ["CONFORMANCE_BROWSER"] = RepoPaths.BrowserCommand },
            line => { output.Enqueue(line); log(line); }, workingDirectory: Path.GetTempPath());
        var code = await process.WaitForExitAsync(cancellationToken, TimeSpan.FromMinutes(3));
        foreach (var line in process.StdoutLines)
        {
            log(line);
        }

        return (code, string.Join('\n', process.StdoutLines.Concat(output)));
    }
}
