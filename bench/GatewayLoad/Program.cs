// Load client of the gateway benchmark (bench/gateway/gateway.mjs): POSTs JSON-RPC `tools/call echo` to a Streamable
// HTTP MCP endpoint with raw HttpClient, CONNECTIONS requests in flight, and checks every answer (status 200 and the
// echoed text, in a JSON or an SSE body). Prints one JSON line with p50/p99 (ms), calls/s and the failure count, and
// exits 1 when any call failed.
//
//   GatewayLoad --url URL [--header "Name: value"]... [--connections 1] [--duration 5] [--warmup 1]
//               [--sessions none|per-worker|N] [--watch-pid PID]
//
// --sessions none: no initialize, stateless calls. per-worker: every worker opens its own MCP session (initialize +
// notifications/initialized, then Mcp-Session-Id on every call), as a client per connection would. N: opens N sessions
// first (64 at a time) and keeps them; the workers then spread their calls over all N. --watch-pid reads VmRSS/VmHWM of
// that process (the proxy) after the sessions are open and after the calls.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

var url = "";
var headers = new List<(string, string)>();
int connections = 1, watchPid = 0;
double duration = 5, warmup = 1;
var sessionsArg = "none";
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--url": url = args[++i]; break;
        case "--header":
            var h = args[++i];
            var colon = h.IndexOf(':', StringComparison.Ordinal);
            headers.Add((h[..colon].Trim(), h[(colon + 1)..].Trim()));
            break;
        case "--connections": connections = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--duration": duration = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--sessions": sessionsArg = args[++i]; break;
        case "--watch-pid": watchPid = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: await Console.Error.WriteLineAsync("unknown argument " + args[i]); return 2;
    }
}

if (url.Length == 0)
{
    await Console.Error.WriteLineAsync("usage: GatewayLoad --url URL [--header \"Name: value\"]... [--connections C] [--duration S] [--warmup S] [--sessions none|per-worker|N] [--watch-pid PID]");
    return 2;
}

var handler = new SocketsHttpHandler
{
    MaxConnectionsPerServer = connections,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
    UseProxy = false,
    AutomaticDecompression = DecompressionMethods.None,
};
using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
var endpoint = new Uri(url);
long nextId = 0;
var failures = 0;
string? firstFailure = null;

HttpRequestMessage Post(string json, string? session)
{
    var req = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    req.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
    req.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-06-18");
    foreach (var (k, v) in headers)
    {
        req.Headers.TryAddWithoutValidation(k, v);
    }

    if (session != null)
    {
        req.Headers.TryAddWithoutValidation("Mcp-Session-Id", session);
    }

    return req;
}

void Fail(string what)
{
    if (Interlocked.Increment(ref failures) == 1)
    {
        firstFailure = what;
    }
}

async Task<string?> OpenSession()
{
    var id = Interlocked.Increment(ref nextId);
    using var init = Post("{\"jsonrpc\":\"2.0\",\"id\":" + id.ToString(CultureInfo.InvariantCulture) + ",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"gateway-load\",\"version\":\"1.0\"}}}", null);
    using var res = await http.SendAsync(init);
    var body = await res.Content.ReadAsStringAsync();
    if (res.StatusCode != HttpStatusCode.OK || !body.Contains("\"result\"", StringComparison.Ordinal))
    {
        Fail($"initialize: {(int)res.StatusCode} {Trim(body)}");
        return null;
    }

    var session = res.Headers.TryGetValues("Mcp-Session-Id", out var v) ? v.First() : null;
    using var note = Post("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", session);
    using var nres = await http.SendAsync(note);
    await nres.Content.ReadAsStringAsync();
    if ((int)nres.StatusCode is not (200 or 202 or 204))
    {
        Fail($"notifications/initialized: {(int)nres.StatusCode}");
    }

    return session ?? "";
}

async Task<bool> Call(string? session)
{
    var id = Interlocked.Increment(ref nextId);
    var text = "bench " + id.ToString(CultureInfo.InvariantCulture);
    using var req = Post("{\"jsonrpc\":\"2.0\",\"id\":" + id.ToString(CultureInfo.InvariantCulture) + ",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"" + text + "\"}}}", string.IsNullOrEmpty(session) ? null : session);
    using var res = await http.SendAsync(req);
    var body = await res.Content.ReadAsStringAsync();
    if (res.StatusCode != HttpStatusCode.OK || !body.Contains("Echo: " + text + "\"", StringComparison.Ordinal))
    {
        Fail($"tools/call: {(int)res.StatusCode} {Trim(body)}");
        return false;
    }

    return true;
}

static string Trim(string s) => s.Length > 300 ? s[..300] : s;

static (double RssMb, double HwmMb) Mem(int pid)
{
    if (pid == 0)
    {
        return (double.NaN, double.NaN);
    }

    var status = File.ReadAllText($"/proc/{pid}/status");
    double Kb(string key) => double.Parse(Regex.Match(status, key + @":\s+(\d+) kB").Groups[1].Value, CultureInfo.InvariantCulture) / 1024;
    return (Kb("VmRSS"), Kb("VmHWM"));
}

// Sessions.
string?[] pool;
var openMs = double.NaN;
var memBefore = Mem(watchPid);
(double RssMb, double HwmMb) memOpen = (double.NaN, double.NaN);
if (sessionsArg == "none")
{
    pool = new string?[connections];
}
else if (sessionsArg == "per-worker")
{
    pool = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => OpenSession()));
}
else
{
    var count = int.Parse(sessionsArg, CultureInfo.InvariantCulture);
    pool = new string?[count];
    var sw = Stopwatch.StartNew();
    var opened = -1;
    await Task.WhenAll(Enumerable.Range(0, Math.Min(64, count)).Select(async _ =>
    {
        for (var i = Interlocked.Increment(ref opened); i < count; i = Interlocked.Increment(ref opened))
        {
            pool[i] = await OpenSession();
        }
    }));
    openMs = sw.Elapsed.TotalMilliseconds;
    memOpen = Mem(watchPid);
}

if (failures > 0)
{
    Console.WriteLine(Result(0, 0, 0, 0));
    await Console.Error.WriteLineAsync("gateway-load: " + firstFailure);
    return 1;
}

// Warm-up, then the timed run: each worker calls in a loop until the deadline.
async Task<List<double>> Run(double seconds)
{
    var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
    var all = new List<double>[connections];
    var turn = -1;
    await Task.WhenAll(Enumerable.Range(0, connections).Select(w => Task.Run(async () =>
    {
        var lat = new List<double>(4096);
        all[w] = lat;
        while (Stopwatch.GetTimestamp() < deadline && failures == 0)
        {
            var session = sessionsArg == "per-worker" ? pool[w] : pool[(int)((uint)Interlocked.Increment(ref turn) % (uint)pool.Length)];
            var t = Stopwatch.GetTimestamp();
            if (!await Call(session))
            {
                break;
            }

            lat.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
    })));
    return all.SelectMany(x => x).ToList();
}

if (warmup > 0)
{
    await Run(warmup);
}

var wall = Stopwatch.StartNew();
var lats = await Run(duration);
var wallMs = wall.Elapsed.TotalMilliseconds;
var memAfter = Mem(watchPid);
lats.Sort();
double Pct(double p) => lats.Count == 0 ? double.NaN : lats[Math.Clamp((int)Math.Ceiling(p / 100 * lats.Count) - 1, 0, lats.Count - 1)];
Console.WriteLine(Result(Pct(50), Pct(99), lats.Count / wallMs * 1000, lats.Count));

// End the sessions (DELETE), as a well-behaved client does, so that per-session processes do not outlive the run.
var ending = -1;
await Task.WhenAll(Enumerable.Range(0, Math.Min(64, pool.Length)).Select(async _ =>
{
    for (var i = Interlocked.Increment(ref ending); i < pool.Length; i = Interlocked.Increment(ref ending))
    {
        if (string.IsNullOrEmpty(pool[i]))
        {
            continue;
        }

        using var del = new HttpRequestMessage(HttpMethod.Delete, endpoint);
        foreach (var (k, v) in headers)
        {
            del.Headers.TryAddWithoutValidation(k, v);
        }

        del.Headers.TryAddWithoutValidation("Mcp-Session-Id", pool[i]);
        try
        {
            using var r = await http.SendAsync(del);
        }
        catch (HttpRequestException)
        {
            // best effort
        }
    }
}));
if (failures > 0)
{
    await Console.Error.WriteLineAsync("gateway-load: " + firstFailure);
    return 1;
}

return 0;

string Result(double p50, double p99, double rps, int n) => string.Create(CultureInfo.InvariantCulture,
    $$"""{"p50":{{J(p50)}},"p99":{{J(p99)}},"rps":{{J(rps)}},"n":{{n}},"failures":{{failures}},"sessions":{{pool.Count(s => s != null)}},"openMs":{{J(openMs)}},"rssBeforeMb":{{J(memBefore.RssMb)}},"rssOpenMb":{{J(memOpen.RssMb)}},"hwmOpenMb":{{J(memOpen.HwmMb)}},"rssAfterMb":{{J(memAfter.RssMb)}},"hwmAfterMb":{{J(memAfter.HwmMb)}}}""");

static string J(double x) => double.IsFinite(x) ? x.ToString("0.###", CultureInfo.InvariantCulture) : "null";
