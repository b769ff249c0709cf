using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using McpAuthProxy.Gateway.Diagnostics;
using McpAuthProxy.Gateway.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.Audit;

/// <summary>
/// The audit log: records queue in a bounded channel (the request path never waits), one writer drains it into the
/// sink as JSON lines (source-generated) and flushes whenever the queue is empty. A full queue drops the record, adds
/// it to <c>mcp_auth_proxy.gateway.audit.dropped</c> and says so in a warning at most every
/// <see cref="AuditOptions.DropWarningInterval"/>. Stopping drains what is queued.
/// </summary>
internal sealed partial class AuditLog : IAuditLog, IHostedService, IAsyncDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Channel<AuditRecord> _queue;
    private readonly IAuditSink _sink;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Task _writer;
    private long _droppedSinceWarning;
    private long _lastWarning = long.MinValue;
    private long _lastWriteError = long.MinValue;
    private int _disposed;

    public AuditLog(AuditOptions options, IAuditSink sink, GatewayMetrics metrics, TimeProvider clock, ILogger<AuditLog> logger)
    {
        Options = options;
        _sink = sink;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
        _queue = Channel.CreateBounded<AuditRecord>(new BoundedChannelOptions(options.QueueCapacity)
        {
            // Wait makes TryWrite return false when full (DropWrite would report success for a dropped record).
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Opens the sink <paramref name="options"/> names: standard output for <c>-</c>, else the rotated file.</summary>
    public static IAuditSink OpenSink(AuditOptions options) => options.Path == AuditOptions.StandardOutput
        ? new StreamAuditSink(Console.OpenStandardOutput())
        : new RotatingFileAuditSink(options.Path!, options.MaxFileBytes, options.KeepFiles);

    public bool Enabled => true;

    public AuditOptions Options { get; }

    public void Write(AuditRecord record)
    {
        if (_queue.Writer.TryWrite(record))
        {
            return;
        }

        _metrics.AuditRecordsDropped(1);
        Interlocked.Increment(ref _droppedSinceWarning);
        if (Due(ref _lastWarning))
        {
            LogDropped(Interlocked.Exchange(ref _droppedSinceWarning, 0), Options.QueueCapacity);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Interlocked.Exchange(ref _droppedSinceWarning, 0) is var dropped and > 0)
        {
            LogDropped(dropped, Options.QueueCapacity);
        }

        _sink.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using var json = new Utf8JsonWriter(buffer, WriterOptions);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_queue.Reader.TryRead(out var record))
            {
                buffer.ResetWrittenCount();
                json.Reset(buffer);
                try
                {
                    JsonSerializer.Serialize(json, TokenScrubber.Scrub(record), GatewayJsonContext.Default.AuditRecord);
                    json.Flush();
                    buffer.Write("\n"u8);
                    _sink.Write(buffer.WrittenSpan);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
                {
                    _metrics.AuditRecordsDropped(1);
                    if (Due(ref _lastWriteError))
                    {
                        LogWriteFailed(Options.Path ?? "-", e.Message);
                    }
                }
            }

            try
            {
                _sink.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (Due(ref _lastWriteError))
                {
                    LogWriteFailed(Options.Path ?? "-", e.Message);
                }
            }
        }
    }

    /// <summary>True at most once per <see cref="AuditOptions.DropWarningInterval"/> (for the caller that wins the race).</summary>
    private bool Due(ref long last)
    {
        var now = _clock.GetTimestamp();
        var previous = Volatile.Read(ref last);
        return (previous == long.MinValue || _clock.GetElapsedTime(previous, now) >= Options.DropWarningInterval)
            && Interlocked.CompareExchange(ref last, now, previous) == previous;
    }
}
