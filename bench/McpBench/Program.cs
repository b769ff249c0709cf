// One measurement with the C# MCP SDK client (ModelContextProtocol.Core), the same work bench.mjs's `measure` does:
//   McpBench http URL N CONCURRENCY WARMUP [HEADER]...
//   McpBench stdio N CONCURRENCY WARMUP -- COMMAND [ARG]...
// connects (over Streamable HTTP, or by starting COMMAND and speaking stdio to it), checks one echo, makes WARMUP calls, then N timed tools/call echo with CONCURRENCY in flight, and prints
// one JSON line {"p50":..,"p99":..,"rps":..}. The header arguments are "Name: value".
using System.Diagnostics;
using System.Globalization;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

var http = args.Length >= 5 && args[0] == "http";
var stdio = args.Length >= 6 && args[0] == "stdio" && args[4] == "--";
if (!http && !stdio)
{
    await Console.Error.WriteLineAsync("usage: McpBench http URL N CONCURRENCY WARMUP [\"Name: value\"]... | McpBench stdio N CONCURRENCY WARMUP -- COMMAND [ARG]...");
    return 2;
}

var at = http ? 2 : 1;
var n = int.Parse(args[at], CultureInfo.InvariantCulture);
var concurrency = int.Parse(args[at + 1], CultureInfo.InvariantCulture);
var warmup = int.Parse(args[at + 2], CultureInfo.InvariantCulture);
IClientTransport transport;
if (http)
{
    var headers = new Dictionary<string, string>();
    foreach (var h in args.Skip(5))
    {
        var i = h.IndexOf(':', StringComparison.Ordinal);
        headers[h[..i].Trim()] = h[(i + 1)..].Trim();
    }

    transport = new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(args[1]), AdditionalHeaders = headers, TransportMode = HttpTransportMode.StreamableHttp });
}
else
{
    transport = new StdioClientTransport(new StdioClientTransportOptions { Command = args[5], Arguments = args[6..], Name = "target" });
}

await using var client = await McpClient.CreateAsync(transport);

async Task<string?> Call(int i)
{
    var r = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "bench " + i.ToString(CultureInfo.InvariantCulture) });
    return (r.Content[0] as TextContentBlock)?.Text;
}

var first = await Call(-1);
if (first != "Echo: bench -1")
{
    await Console.Error.WriteLineAsync("bad echo answer: " + first);
    return 3;
}

for (var i = 0; i < warmup; i++)
{
    await Call(i);
}

var lat = new double[n];
var next = -1;
var wall = Stopwatch.StartNew();
async Task Worker()
{
    for (var i = Interlocked.Increment(ref next); i < n; i = Interlocked.Increment(ref next))
    {
        var t = Stopwatch.GetTimestamp();
        await Call(i);
        lat[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
    }
}

await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
var wallMs = wall.Elapsed.TotalMilliseconds;
Array.Sort(lat);
double Pct(double p) => lat[Math.Clamp((int)Math.Ceiling(p / 100 * n) - 1, 0, n - 1)];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $$"""{"p50":{{Pct(50)}},"p99":{{Pct(99)}},"rps":{{n / wallMs * 1000}},"peakRssMb":null}"""));
return 0;
