
namespace McpAuthProxy.Bridge.Transport;

/// <summary>
/// Bounds what one answer of the MCP server may cost in memory: an <c>application/json</c> body longer than
/// <see cref="MaxBytes"/> (announced, or found while reading) fails with <see cref="MessageTooLargeException"/>, and
/// the request it answers gets a JSON-RPC error instead of the bridge growing until it is killed. Event streams are
/// bounded per event by the transport's line limit.
/// </summary>
public sealed class MessageSizeLimit(long maxBytes) : DelegatingHandler
{
    /// <summary>The default: large enough for real image, audio and file results (base64 inflates them by a third).</summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    public long MaxBytes { get; } = maxBytes;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Content is not { } content || content.Headers.ContentType?.MediaType is "text/event-stream")
        {
            return response;
        }

        if (content.Headers.ContentLength is { } announced && announced > MaxBytes)
        {
            response.Dispose();
            throw new MessageTooLargeException(MaxBytes);
        }

        var bounded = new StreamContent(new BoundedStream(await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), MaxBytes));
        foreach (var header in content.Headers)
        {
            bounded.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = bounded;
        return response;
    }

    /// <summary>Reads through to the inner stream and fails once more than the limit has been read.</summary>
    private sealed class BoundedStream(Stream inner, long maxBytes) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            return _read > maxBytes ? throw new MessageTooLargeException(maxBytes) : read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>An answer of the MCP server passed the bridge's message size limit.</summary>
public sealed class MessageTooLargeException(long maxBytes)
    : IOException($"The MCP server's answer is larger than the bridge's limit of {maxBytes / (1024 * 1024)} MiB; raise it with --max-message-size (MCP_PROXY_MAX_MESSAGE_SIZE) if the server's results are really that large.")
{
    public long MaxBytes { get; } = maxBytes;
}
