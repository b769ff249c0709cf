namespace McpAuthProxy.Gateway.Audit;

/// <summary>Takes audit records from the request path; writing happens elsewhere, and never blocks the caller.</summary>
internal interface IAuditLog
{
    /// <summary>False when the audit log is off: the caller need not build a record.</summary>
    bool Enabled { get; }

    /// <summary>What the operator asked to have written besides the decision (arguments, results).</summary>
    AuditOptions Options { get; }

    /// <summary>Queues <paramref name="record"/>; when the queue is full it is dropped, counted and reported.</summary>
    void Write(AuditRecord record);
}

/// <summary>The audit log when <c>audit.path</c> is not set.</summary>
internal sealed class NullAuditLog : IAuditLog
{
    public static NullAuditLog Instance { get; } = new();

    public bool Enabled => false;

    public AuditOptions Options => AuditOptions.Off;

    public void Write(AuditRecord record)
    {
    }
}
