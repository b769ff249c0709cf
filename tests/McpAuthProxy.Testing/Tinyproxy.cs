using System.Net;
using System.Net.Sockets;

namespace McpAuthProxy.Testing;

/// <summary>
/// A real forward proxy for a test: Debian's tinyproxy in the foreground on a free 127.0.0.1 port, with its own
/// configuration and a log file the test reads to see which requests went through it (tinyproxy logs each request
/// line: <c>GET http://host:port/path</c>, <c>CONNECT host:port</c>). Stopped and removed on dispose.
/// </summary>
public sealed class Tinyproxy : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _folder;

    private Tinyproxy(ChildProcess process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:port</c>: what HTTPS_PROXY or HTTP_PROXY would hold.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    public string LogPath => Path.Combine(_folder, "tinyproxy.log");

    /// <summary>Starts tinyproxy; with <paramref name="basicAuth"/> it answers 407 to requests without those credentials.</summary>
    public static async Task<Tinyproxy> StartAsync(CancellationToken cancellationToken, (string User, string Password)? basicAuth = null)
    {
        var folder = Directory.CreateTempSubdirectory("mcp-tinyproxy-").FullName;
        var port = FreePort();
        var config = Path.Combine(folder, "tinyproxy.conf");
        await File.WriteAllTextAsync(config, $"""
            Port {port}
            Listen 127.0.0.1
            Timeout 60
            LogFile "{Path.Combine(folder, "tinyproxy.log")}"
            LogLevel Info
            MaxClients 50
            Allow 127.0.0.1
            {(basicAuth is var (user, password) ? $"BasicAuth {user} {password}" : "")}
            """, cancellationToken);
        var process = ChildProcess.Start("tinyproxy", ["-d", "-c", config]);
        var proxy = new Tinyproxy(process, folder, port);
        try
        {
            await proxy.WaitForListeningAsync(cancellationToken);
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    /// <summary>The request lines tinyproxy has logged so far (<c>GET http://...</c>, <c>CONNECT host:port</c>).</summary>
    public IReadOnlyList<string> Requests()
    {
        if (!File.Exists(LogPath))
        {
            return [];
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var requests = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            var marker = line.IndexOf("]: Request (file descriptor ", StringComparison.Ordinal);
            if (marker >= 0)
            {
                requests.Add(line[(line.IndexOf("): ", marker, StringComparison.Ordinal) + 3)..]);
            }
        }

        return requests;
    }

    /// <summary>Waits until a logged request line matches <paramref name="predicate"/>.</summary>
    public async Task<string> WaitForRequestAsync(Func<string, bool> predicate, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TestTimeouts.Default);
        while (true)
        {
            if (Requests().FirstOrDefault(predicate) is { } found)
            {
                return found;
            }

            try
            {
                await Task.Delay(50, limit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException("tinyproxy logged no such request; it logged:\n" + string.Join('\n', Requests()));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WaitForListeningAsync(CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TestTimeouts.Default);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, limit.Token);
                return;
            }
            catch (SocketException) when (!_process.HasExited)
            {
                await Task.Delay(50, limit.Token);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException("tinyproxy exited: " + _process.Stderr);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
