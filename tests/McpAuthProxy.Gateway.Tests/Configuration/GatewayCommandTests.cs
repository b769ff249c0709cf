using System.Threading.Channels;
using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.Tests.Configuration;

/// <summary>The gateway command's entry point, run in-process as the CLI runs it.</summary>
public sealed class GatewayCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A TextWriter whose lines can be awaited.</summary>
    private sealed class LineWriter : StringWriter
    {
        private readonly System.Text.StringBuilder _line = new();

        public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>();

        public override void Write(char value)
        {
            if (value == '\n')
            {
                Lines.Writer.TryWrite(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }
            else
            {
                _line.Append(value);
            }
        }

        public override Task WriteLineAsync(string? value)
        {
            Lines.Writer.TryWrite(value ?? "");
            return Task.CompletedTask;
        }
    }

    private static async Task<string> WriteConfigAsync(string yaml)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("gateway-config-").FullName, "config.yaml");
        await File.WriteAllTextAsync(path, yaml, Ct);
        return path;
    }

    [Fact]
    public async Task Broken_config_exits_1_and_lists_each_problem_with_its_key()
    {
        var path = await WriteConfigAsync("listen_port: 0\ntransport_mode: carrier-pigeon\n");
        var error = new LineWriter();

        var exitCode = await GatewayApplication.RunAsync(new GatewayRunOptions { ConfigPath = path, Error = error, Environment = new Dictionary<string, string>() }, Ct);

        Assert.Equal(1, exitCode);
        error.Lines.Writer.Complete();
        var lines = await error.Lines.Reader.ReadAllAsync(Ct).ToListAsync(Ct);
        Assert.Contains(lines, l => l.Contains("error: listen_port:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("error: transport_mode:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("error: protected_resource_metadata.authorization_servers:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Address_already_in_use_exits_1_with_a_fix()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var path = await WriteConfigAsync($"""
            base_url: "http://127.0.0.1:9"
            protected_resource_metadata:
              authorization_servers: ["{idp.Issuer}"]
            """);
        var error = new LineWriter();

        var exitCode = await GatewayApplication.RunAsync(new GatewayRunOptions
        {
            ConfigPath = path, Urls = $"http://127.0.0.1:{port}", Error = error, Environment = new Dictionary<string, string>(),
            ConfigureLogging = logging => logging.AddProvider(new LogCollector()),
        }, Ct);

        Assert.Equal(1, exitCode);
        error.Lines.Writer.Complete();
        Assert.Contains(await error.Lines.Reader.ReadAllAsync(Ct).ToListAsync(Ct), l => l.Contains("cannot listen", StringComparison.Ordinal) && l.Contains("listen_port", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Demo_flag_says_it_is_not_available_yet()
    {
        var error = new LineWriter();

        var exitCode = await GatewayApplication.RunAsync(new GatewayRunOptions { Demo = true, Error = error }, Ct);

        Assert.Equal(1, exitCode);
        Assert.True(error.Lines.Reader.TryRead(out var line));
        Assert.Contains("not available yet", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Good_config_prints_the_listening_line_serves_and_exits_0_when_cancelled()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        var path = await WriteConfigAsync($"""
            listen_port: 8080
            base_url: "http://127.0.0.1:9"
            protected_resource_metadata:
              authorization_servers: ["{idp.Issuer}"]
            """);
        var error = new LineWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var run = GatewayApplication.RunAsync(new GatewayRunOptions
        {
            ConfigPath = path, Urls = "http://127.0.0.1:0", Error = error, Environment = new Dictionary<string, string>(),
            ConfigureLogging = logging => logging.AddProvider(new LogCollector()),
        }, stop.Token);
        string line;
        do
        {
            line = await error.Lines.Reader.ReadAsync(Ct).AsTask().WaitAsync(TestTimeouts.Default, Ct);
        }
        while (!line.StartsWith("listening on ", StringComparison.Ordinal));

        using var http = new HttpClient();
        var health = await http.GetStringAsync(line["listening on ".Length..] + "/healthz", Ct);
        await stop.CancelAsync();

        Assert.Equal("ok", health);
        Assert.Equal(0, await run.WaitAsync(TestTimeouts.Default, Ct));
    }
}
