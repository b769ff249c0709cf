namespace McpAuthProxy.Gateway.Audit;

/// <summary>Every problem of an <c>audit:</c> section, each with its key and its fix.</summary>
internal static class AuditOptionsValidator
{
    public static void Validate(AuditOptions options, ICollection<string> errors)
    {
        if (options.Path is { } path && path != AuditOptions.StandardOutput)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                errors.Add("audit.path is empty; write a file path such as /var/log/mcp-auth-proxy/audit.log, or - for standard output");
            }
            else if (Directory.Exists(path))
            {
                errors.Add($"audit.path '{path}' is a folder; name a file in it, e.g. {System.IO.Path.Combine(path, "audit.log")}");
            }
        }

        if (options.MaxFileBytes < 1024 * 1024)
        {
            errors.Add($"audit.max_file_mb must be at least 1 (it is {options.MaxFileBytes / (1024.0 * 1024):0.##}); e.g. audit.max_file_mb: 100");
        }

        if (options.KeepFiles is < 1 or > 1000)
        {
            errors.Add($"audit.keep_files must be between 1 and 1000 (it is {options.KeepFiles}); e.g. audit.keep_files: 5");
        }

        if (options.QueueCapacity is < 1 or > 10_000_000)
        {
            errors.Add($"audit.queue_size must be between 1 and 10000000 (it is {options.QueueCapacity}); e.g. audit.queue_size: 10000");
        }
    }
}
