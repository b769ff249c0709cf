using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Bridge.Transport;

/// <summary>
/// The desktop client's side: newline-delimited JSON-RPC on stdin and stdout. Unlike the SDK's server transports it
/// keeps stdout open after stdin ends, so that requests still in flight when the client closes its input get their
/// answers; a line that is not JSON-RPC is logged and skipped.
/// </summary>
public sealed partial class StdioLineTransport : ITransport
{
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType = (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly Stream _output;
    private readonly ILogger _logger;
    private readonly Channel<JsonRpcMessage> _incoming = Channel.CreateUnbounded<JsonRpcMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    public StdioLineTransport(Stream input, Stream output, ILogger logger)
    {
        _output = output;
        _logger = logger;
        _reading = ReadAsync(PipeReader.Create(input, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true)));
    }

    public string? SessionId => null;

    public ChannelReader<JsonRpcMessage> MessageReader => _incoming.Reader;

    public async Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, MessageType);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await _output.WriteAsync(NewLine, cancellationToken).ConfigureAwait(false);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadAsync(PipeReader reader)
    {
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_stop.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (buffer.PositionOf((byte)'\n') is { } end)
                {
                    Parse(buffer.Slice(0, end));
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                }

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        Parse(buffer);
                    }

                    break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException e)
        {
            LogInputFailed(e.Message);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            _incoming.Writer.TryComplete();
        }
    }

    private void Parse(ReadOnlySequence<byte> line)
    {
        if (line.IsEmpty || (line.Length == 1 && line.FirstSpan[0] == (byte)'\r'))
        {
            return;
        }

        try
        {
            var jsonReader = new Utf8JsonReader(line);
            if (JsonSerializer.Deserialize(ref jsonReader, MessageType) is { } message)
            {
                _incoming.Writer.TryWrite(message);
            }
        }
        catch (JsonException e)
        {
            LogNotJsonRpc(e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A read of the process's stdin does not always return on cancellation: the reader is told to stop and left
        // to end with the process, never waited for.
        await _stop.CancelAsync().ConfigureAwait(false);
        await _reading.WaitAsync(TimeSpan.FromMilliseconds(100)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    [LoggerMessage(Diagnostics.EventIds.InputNotJsonRpc, LogLevel.Warning, "Skipped a line from the client that is not a JSON-RPC message: {Reason}")]
    private partial void LogNotJsonRpc(string reason);

    [LoggerMessage(Diagnostics.EventIds.InputFailed, LogLevel.Warning, "Reading the client's input failed: {Reason}")]
    private partial void LogInputFailed(string reason);
}
