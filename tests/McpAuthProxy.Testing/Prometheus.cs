using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace McpAuthProxy.Testing;

/// <summary>
/// A real Prometheus for a test: Debian's <c>prometheus</c> in the foreground on a free 127.0.0.1 port, with a
/// generated configuration that scrapes the given targets every second and its storage in a temporary folder.
/// <see cref="QueryAsync"/> asks its HTTP API (<c>/api/v1/query</c>); <see cref="WaitForValueAsync"/> asks until a
/// scrape has brought the expected value. Stopped and removed on dispose.
/// </summary>
public sealed class Prometheus : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _folder;
    private readonly HttpClient _http;

    private Prometheus(ChildProcess process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Url = new Uri($"http://127.0.0.1:{port}");
        _http = new HttpClient { BaseAddress = Url };
    }

    /// <summary>Prometheus's own address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri Url { get; }

    /// <summary>Starts Prometheus scraping <paramref name="targets"/> (each <c>http://host:port/path</c>) every second.</summary>
    public static async Task<Prometheus> StartAsync(IEnumerable<Uri> targets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var folder = Directory.CreateTempSubdirectory("mcp-prometheus-").FullName;
        var port = FreePort();
        var jobs = targets.Select((t, i) => $"""
              - job_name: target{i}
                metrics_path: '{t.AbsolutePath}'
                scheme: {t.Scheme}
                static_configs:
                  - targets: ['{t.Authority}']
            """);
        var config = Path.Combine(folder, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
            {string.Join('\n', jobs)}
            """, cancellationToken);
        var process = ChildProcess.Start("prometheus",
        [
            "--config.file=" + config,
            "--storage.tsdb.path=" + Path.Combine(folder, "data"),
            $"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]);
        var prometheus = new Prometheus(process, folder, port);
        try
        {
            await prometheus.WaitForReadyAsync(cancellationToken);
            return prometheus;
        }
        catch
        {
            await prometheus.DisposeAsync();
            throw;
        }
    }

    /// <summary>An instant query: each series of the result with its labels and value.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string promql, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(promql), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus refused the query {promql}: {body}");
        }

        var result = new List<(IReadOnlyDictionary<string, string>, double)>();
        foreach (var series in root.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
            var value = series.GetProperty("value")[1].GetString()!;
            result.Add((labels, double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }

        return result;
    }

    /// <summary>Queries until the result's single value satisfies <paramref name="expected"/> (each scrape may bring it).</summary>
    public async Task<double> WaitForValueAsync(string promql, Func<double, bool> expected, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TestTimeouts.Default);
        IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> last = [];
        while (true)
        {
            last = await QueryAsync(promql, limit.Token);
            if (last.Count == 1 && expected(last[0].Value))
            {
                return last[0].Value;
            }

            try
            {
                await Task.Delay(250, limit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Prometheus never had the expected value for {promql}; last result: "
                    + string.Join("; ", last.Select(s => $"{{{string.Join(',', s.Labels.Select(l => $"{l.Key}={l.Value}"))}}} {s.Value}"))
                    + "\nstderr:\n" + _process.Stderr);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WaitForReadyAsync(CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TestTimeouts.Default);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("prometheus exited: " + _process.Stderr);
            }

            try
            {
                using var response = await _http.GetAsync("/-/ready", limit.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException("prometheus did not get ready; stderr:\n" + _process.Stderr);
            }

            await Task.Delay(100, limit.Token);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
