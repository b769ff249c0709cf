using System.Reflection;
using System.Text;
using System.Text.Json;
using CsCheck;
using McpAuthProxy.Gateway.Audit;
using McpAuthProxy.Gateway.Diagnostics;
using McpAuthProxy.Gateway.Tests.Diagnostics;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace McpAuthProxy.Gateway.Tests.Audit;

public sealed class AuditLogTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mcp-audit-").FullName;
    private readonly LogCollector _logs = new();
    private readonly TelemetryCapture _telemetry = new();

    private static AuditRecord Record(int i = 0) => new()
    {
        Time = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero).AddSeconds(i),
        Subject = "alice",
        ClientId = "cursor",
        Session = "s-1",
        HttpMethod = "POST",
        Method = "tools/call",
        RequestId = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Tool = "echo",
        Decision = "allowed",
        Status = 200,
        DurationMs = 1.25,
        Upstream = "http://127.0.0.1:9000/mcp",
    };

    private AuditLog Open(AuditOptions options, IAuditSink? sink = null, TimeProvider? clock = null) =>
        new(options, sink ?? AuditLog.OpenSink(options), _telemetry.Metrics, clock ?? TimeProvider.System,
            LoggerFactory.Create(b => b.AddProvider(_logs)).CreateLogger<AuditLog>());

    [Fact]
    public async Task Each_record_is_one_json_line_with_snake_case_fields_and_no_nulls()
    {
        var path = Path.Combine(_folder, "audit.log");
        await using (var log = Open(new AuditOptions { Path = path }))
        {
            log.Write(Record(1));
            log.Write(Record(2) with { Decision = "refused", Reason = "insufficient_scope", Status = 403, ErrorCode = -32003, Upstream = null });
        }

        var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(2, lines.Length);
        var first = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("2026-12-01T12:00:01+00:00", first.GetProperty("time").GetString());
        Assert.Equal("alice", first.GetProperty("subject").GetString());
        Assert.Equal("cursor", first.GetProperty("client_id").GetString());
        Assert.Equal("tools/call", first.GetProperty("method").GetString());
        Assert.Equal("echo", first.GetProperty("tool").GetString());
        Assert.Equal(1.25, first.GetProperty("duration_ms").GetDouble());
        Assert.False(first.TryGetProperty("reason", out _));
        var second = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal("insufficient_scope", second.GetProperty("reason").GetString());
        Assert.Equal(-32003, second.GetProperty("error_code").GetInt32());
        Assert.False(second.TryGetProperty("upstream", out _));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void The_file_rotates_by_size_keeping_the_newest_files_and_never_splitting_a_line()
    {
        var path = Path.Combine(_folder, "logs", "audit.log");
        var line = Encoding.UTF8.GetBytes(new string('x', 99) + "\n");
        using (var sink = new RotatingFileAuditSink(path, maxBytes: 250, keep: 2))
        {
            for (var i = 0; i < 9; i++)
            {
                line[0] = (byte)('0' + i);
                sink.Write(line);
            }
        }

        // 2 lines a file: 0,1 | 2,3 | 4,5 | 6,7 | 8 -> kept: audit.log (8), .1 (6,7), .2 (4,5).
        Assert.Equal(["8"], FirstCharacters(path));
        Assert.Equal(["6", "7"], FirstCharacters(path + ".1"));
        Assert.Equal(["4", "5"], FirstCharacters(path + ".2"));
        Assert.False(File.Exists(path + ".3"));
        Assert.All(Directory.GetFiles(Path.GetDirectoryName(path)!), f => Assert.True(new FileInfo(f).Length <= 250));
    }

    [Fact]
    public async Task Reopening_appends_and_counts_what_is_already_in_the_file()
    {
        var path = Path.Combine(_folder, "audit.log");
        var line = Encoding.UTF8.GetBytes(new string('a', 99) + "\n");
        using (var sink = new RotatingFileAuditSink(path, 250, 3))
        {
            sink.Write(line);
            sink.Write(line);
        }

        using (var sink = new RotatingFileAuditSink(path, 250, 3))
        {
            sink.Write(line);
        }

        Assert.Single(await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken));
        Assert.Equal(2, (await File.ReadAllLinesAsync(path + ".1", TestContext.Current.CancellationToken)).Length);
    }

    [Fact]
    public async Task A_full_queue_drops_records_counts_them_and_warns_at_most_once_an_interval()
    {
        var clock = new FakeTimeProvider();
        var sink = new BlockingSink();
        var log = Open(new AuditOptions { Path = "-", QueueCapacity = 3, DropWarningInterval = TimeSpan.FromSeconds(10) }, sink, clock);
        log.Write(Record(0));
        sink.Entered.Wait(TestContext.Current.CancellationToken);   // the writer holds record 0; the queue is empty

        for (var i = 1; i <= 3; i++)
        {
            log.Write(Record(i));   // queued
        }

        for (var i = 4; i <= 8; i++)
        {
            log.Write(Record(i));   // dropped
        }

        clock.Advance(TimeSpan.FromSeconds(11));
        log.Write(Record(9));       // dropped, and a second warning is due

        Assert.Equal(6, _telemetry.Of(GatewayMetrics.AuditDropped).Sum(m => m.Value));
        var warnings = _logs.Entries.Where(e => e.Id.Id == EventIds.AuditRecordsDropped).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("1 record(s) dropped", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("5 record(s) dropped", warnings[1].Message, StringComparison.Ordinal);
        Assert.Contains("audit.queue_size", warnings[0].Message, StringComparison.Ordinal);

        sink.Release.Set();
        await log.DisposeAsync();
        Assert.Equal(["0", "1", "2", "3"], sink.Lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("request_id").GetString()!).ToArray());
    }

    [Fact]
    public async Task Stopping_writes_everything_that_was_queued()
    {
        var path = Path.Combine(_folder, "audit.log");
        var log = Open(new AuditOptions { Path = path });
        for (var i = 0; i < 500; i++)
        {
            log.Write(Record(i));
        }

        await log.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(500, (await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken)).Length);
        Assert.Empty(_telemetry.Of(GatewayMetrics.AuditDropped));
    }

    [Fact]
    public void The_record_has_no_member_that_could_hold_a_credential()
    {
        var forbidden = new[] { "token", "authorization", "bearer", "secret", "cookie", "code", "password", "header", "jwt", "assertion" };
        var members = typeof(AuditRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (p.Name, Json: p.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name ?? p.Name));

        Assert.All(members, m => Assert.DoesNotContain(forbidden, f =>
            m.Name.Contains(f, StringComparison.OrdinalIgnoreCase) && m.Name != "ErrorCode"
            || m.Json.Contains(f, StringComparison.OrdinalIgnoreCase) && m.Json != "error_code"));
    }

    [Fact]
    public async Task A_token_in_any_field_or_argument_is_written_as_its_fingerprint_never_as_itself()
    {
        var segment = Gen.String[Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"], 8, 40];
        var jwt = Gen.Select(segment, segment, segment).Select((a, b, c) => $"eyJ{a}.eyJ{b}.{c}");
        var opaque = Gen.String[Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"], 16, 60];
        var placed = Gen.Select(jwt, opaque, Gen.Int[0, 6], Gen.OneOf("", "Bearer ", "bearer  ", "x "));
        var path = Path.Combine(_folder, "tokens.log");
        var records = new List<(AuditRecord Record, string Secret)>();
        placed.Sample((token, opaqueToken, field, prefix) =>
        {
            var secret = prefix.Length > 0 && prefix != "x " ? opaqueToken : token;
            var text = prefix + secret;
            var arguments = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string> { ["auth"] = text, [text] = "key" },
                GatewayTestJson.Default.DictionaryStringString)).RootElement;
            var record = Record() with
            {
                Subject = field == 0 ? text : "alice",
                ClientId = field == 1 ? text : "cursor",
                Session = field == 2 ? text : "s",
                Tool = field == 3 ? text : "echo",
                Resource = field == 4 ? text : null,
                Reason = field == 5 ? text : null,
                Arguments = field == 6 ? arguments : null,
                Result = field == 6 ? arguments : null,
            };
            records.Add((record, secret));
        }, iter: 200);

        await using (var log = Open(new AuditOptions { Path = path, QueueCapacity = 1000 }))
        {
            foreach (var (record, _) in records)
            {
                log.Write(record);
            }
        }

        var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(records.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            Assert.DoesNotContain(records[i].Secret, lines[i], StringComparison.Ordinal);
            Assert.Matches(@"\[(jwt|redacted):[0-9a-f]{8}\]", lines[i]);
        }
    }

    [Fact]
    public void Validation_names_each_bad_key_and_its_fix()
    {
        var errors = new List<string>();
        AuditOptionsValidator.Validate(new AuditOptions { Path = _folder, MaxFileBytes = 10, KeepFiles = 0, QueueCapacity = 0 }, errors);

        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("audit.path", StringComparison.Ordinal) && e.Contains("audit.log", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("audit.max_file_mb", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("audit.keep_files", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("audit.queue_size", StringComparison.Ordinal));
        errors.Clear();
        AuditOptionsValidator.Validate(new AuditOptions { Path = "-" }, errors);
        Assert.Empty(errors);
    }

    private static string[] FirstCharacters(string path) => File.ReadAllLines(path).Select(l => l[..1]).ToArray();

    public void Dispose()
    {
        _telemetry.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>A sink whose first write waits until the test releases it: the writer is stuck, as on a slow disk.</summary>
    private sealed class BlockingSink : IAuditSink
    {
        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public List<string> Lines { get; } = [];

        public void Write(ReadOnlySpan<byte> line)
        {
            Lines.Add(Encoding.UTF8.GetString(line).TrimEnd('\n'));
            Entered.Set();
            Release.Wait(TestTimeouts.Default);
        }

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class GatewayTestJson : System.Text.Json.Serialization.JsonSerializerContext;
