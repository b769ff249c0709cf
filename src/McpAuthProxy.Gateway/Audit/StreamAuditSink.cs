namespace McpAuthProxy.Gateway.Audit;

/// <summary>Audit lines to a stream the sink does not own: standard output for <c>audit.path: -</c>.</summary>
internal sealed class StreamAuditSink(Stream stream) : IAuditSink
{
    private readonly BufferedStream _buffered = new(stream, 64 * 1024);

    public void Write(ReadOnlySpan<byte> line) => _buffered.Write(line);

    public void Flush() => _buffered.Flush();

    public void Dispose() => _buffered.Flush();
}
