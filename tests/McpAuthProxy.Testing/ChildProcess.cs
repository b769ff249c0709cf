using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace McpAuthProxy.Testing;

/// <summary>
/// A real child process with all three streams redirected: stderr and stdout are drained line by line (a full pipe
/// would stall the child) into lists a test can wait on; the whole tree is killed on dispose.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly Channel<string> _stdoutLines = Channel.CreateUnbounded<string>();
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly Action<string>? _output;
    private readonly Task _drainErr;
    private readonly Task _drainOut;
    private readonly SemaphoreSlim _stderrChanged = new(0);

    private ChildProcess(Process process, Action<string>? output, bool captureStdout)
    {
        _process = process;
        _output = output;
        _drainErr = DrainAsync(process.StandardError, line => { _stderr.Enqueue(line); _output?.Invoke("[stderr] " + line); _stderrChanged.Release(); }, () => _stderrChanged.Release());
        _drainOut = captureStdout
            ? DrainAsync(process.StandardOutput, line => { _stdout.Enqueue(line); _stdoutLines.Writer.TryWrite(line); }, () => _stdoutLines.Writer.TryComplete())
            : Task.CompletedTask;
    }

    public int Id => _process.Id;

    public IReadOnlyCollection<string> StderrLines => _stderr.ToArray();

    public string Stderr => string.Join('\n', _stderr);

    public IReadOnlyCollection<string> StdoutLines => _stdout.ToArray();

    public StreamWriter StandardInput => _process.StandardInput;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="fileName"/> with an argument list (no shell).</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, Action<string>? output = null, bool captureStdout = true, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + fileName);
        return new ChildProcess(process, output, captureStdout);
    }

    /// <summary>Starts <c>dotnet mcp-auth-proxy.dll args</c>.</summary>
    public static ChildProcess StartProxy(IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, Action<string>? output = null) =>
        Start("dotnet", [RepoPaths.ProxyDll, .. arguments], environment, output);

    /// <summary>Waits for a stderr line matching <paramref name="predicate"/> and returns it.</summary>
    public async Task<string> WaitForStderrAsync(Func<string, bool> predicate, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? TestTimeouts.Default);
        while (true)
        {
            if (_stderr.FirstOrDefault(predicate) is { } found)
            {
                return found;
            }

            if (_process.HasExited && _drainErr.IsCompleted)
            {
                throw new InvalidOperationException($"process exited ({_process.ExitCode}) before the expected stderr line; stderr:\n{Stderr}");
            }

            try
            {
                await _stderrChanged.WaitAsync(TimeSpan.FromMilliseconds(200), limit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException("expected stderr line did not come; stderr:\n" + Stderr);
            }
        }
    }

    /// <summary>The next stdout line.</summary>
    public async Task<string> ReadStdoutLineAsync(CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TestTimeouts.Default);
        try
        {
            return await _stdoutLines.Reader.ReadAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("no stdout line came; stderr:\n" + Stderr);
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException("stdout closed; stderr:\n" + Stderr);
        }
    }

    /// <summary>The next stdout line matching <paramref name="predicate"/>; lines before it are read and skipped.</summary>
    public async Task<string> ReadStdoutLineAsync(Func<string, bool> predicate, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TestTimeouts.Default);
        try
        {
            await foreach (var line in _stdoutLines.Reader.ReadAllAsync(limit.Token))
            {
                if (predicate(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("expected stdout line did not come; stderr:\n" + Stderr);
        }

        throw new InvalidOperationException("stdout closed before the expected line; stderr:\n" + Stderr);
    }

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for the exit and returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? TestTimeouts.Default);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("process did not exit; stderr:\n" + Stderr);
        }

        await Task.WhenAll(_drainErr, _drainOut).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGINT (Ctrl+C) on Unix.</summary>
    public void Interrupt() => Signal("INT");

    /// <summary>Sends SIGTERM on Unix (what a service manager sends to stop a process).</summary>
    public void Terminate() => Signal("TERM");

    private void Signal(string name)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        kill?.WaitForExit();
    }

    private static async Task DrainAsync(StreamReader reader, Action<string> onLine, Action onEnd)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                onLine(line);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
        finally
        {
            onEnd();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
        }

        _process.Dispose();
    }
}
