using System.Diagnostics;
using System.Threading.Channels;

namespace McpAuthProxy.DevIdentity.Tests.Support;

/// <summary>Our own build run as a real child process: argument list, all streams redirected, lines collected.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _stderr = Channel.CreateUnbounded<string>();
    private readonly Channel<string> _stdout = Channel.CreateUnbounded<string>();
    private readonly List<string> _stdoutLines = [];
    private readonly List<string> _stderrLines = [];

    private ChildProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Collect(e.Data, _stdout, _stdoutLines);
        process.ErrorDataReceived += (_, e) => Collect(e.Data, _stderr, _stderrLines);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public IReadOnlyList<string> StdoutLines { get { lock (_stdoutLines) { return [.. _stdoutLines]; } } }

    public IReadOnlyList<string> StderrLines { get { lock (_stderrLines) { return [.. _stderrLines]; } } }

    /// <summary>Starts <c>dotnet mcp-auth-proxy.dll args</c> from this build.</summary>
    public static ChildProcess StartProxy(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(ProxyPaths.ProxyDll);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        return new ChildProcess(Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    public Task<string> WaitForStderrLineAsync(Func<string, bool> predicate) => WaitForLineAsync(_stderr, predicate);

    public Task<string> WaitForStdoutLineAsync(Func<string, bool> predicate) => WaitForLineAsync(_stdout, predicate);

    /// <summary>Sends a POSIX signal with kill(1), as a terminal or a service manager would.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TestTimeouts.Default, TestContext.Current.CancellationToken);
    }

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TestTimeouts.Default, TestContext.Current.CancellationToken);
        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private static async Task<string> WaitForLineAsync(Channel<string> lines, Func<string, bool> predicate)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TestTimeouts.Default);
        await foreach (var line in lines.Reader.ReadAllAsync(timeout.Token))
        {
            if (predicate(line))
            {
                return line;
            }
        }

        throw new InvalidOperationException("The process closed the stream before the expected line.");
    }

    private static void Collect(string? line, Channel<string> channel, List<string> all)
    {
        if (line is null)
        {
            channel.Writer.TryComplete();
            return;
        }

        lock (all)
        {
            all.Add(line);
        }

        channel.Writer.TryWrite(line);
        TestContext.Current.TestOutputHelper?.WriteLine(line);
    }
}

/// <summary>Where this build put the executable (the test project references it so it is built first).</summary>
internal static class ProxyPaths
{
    public static string ProxyDll { get; } = Find();

    private static string Find()
    {
        // tests/McpAuthProxy.DevIdentity.Tests/bin/<Configuration>/net10.0/ -> src/McpAuthProxy/bin/<Configuration>/net10.0/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = here.Name;
        var configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "McpAuthProxy.slnx")))
        {
            root = root.Parent;
        }

        var dll = Path.Combine(root?.FullName ?? throw new InvalidOperationException("McpAuthProxy.slnx not found above " + here.FullName),
            "src", "McpAuthProxy", "bin", configuration, tfm, "mcp-auth-proxy.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build src/McpAuthProxy first.", dll);
    }
}
