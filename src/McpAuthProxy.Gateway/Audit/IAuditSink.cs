namespace McpAuthProxy.Gateway.Audit;

/// <summary>Where audit lines go: a rotated file or standard output. Called from the audit writer only.</summary>
internal interface IAuditSink : IDisposable
{
    /// <summary>Writes one line, its newline included.</summary>
    void Write(ReadOnlySpan<byte> line);

    /// <summary>Called when the queue is empty: what was written reaches the file.</summary>
    void Flush();
}
