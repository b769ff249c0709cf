using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.Audit;

internal sealed partial class AuditLog
{
    [LoggerMessage(Diagnostics.EventIds.AuditRecordsDropped, LogLevel.Warning,
        "Audit log: {Dropped} record(s) dropped because {Capacity} were already waiting to be written; the audit file is not keeping up (raise audit.queue_size, or write to a faster disk).")]
    private partial void LogDropped(long dropped, int capacity);

    [LoggerMessage(Diagnostics.EventIds.AuditWriteFailed, LogLevel.Error,
        "Audit log: cannot write to {Path}: {Reason}. Records are dropped until it can (check the disk and the file's permissions).")]
    private partial void LogWriteFailed(string path, string reason);
}
