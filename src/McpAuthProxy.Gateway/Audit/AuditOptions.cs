namespace McpAuthProxy.Gateway.Audit;

/// <summary>
/// The <c>audit:</c> section: where the audit log goes and what it holds. Off unless <see cref="Path"/> is set.
/// </summary>
internal sealed record AuditOptions
{
    /// <summary>What <c>path: -</c> means: standard output.</summary>
    public const string StandardOutput = "-";

    public static AuditOptions Off { get; } = new();

    /// <summary><c>audit.path</c>: a file, or <c>-</c> for standard output; null turns the audit log off.</summary>
    public string? Path { get; init; }

    /// <summary><c>audit.max_file_mb</c>: the file is rotated before it grows past this.</summary>
    public long MaxFileBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary><c>audit.keep_files</c>: rotated files kept (<c>audit.log.1</c> is the newest).</summary>
    public int KeepFiles { get; init; } = 5;

    /// <summary><c>audit.queue_size</c>: records waiting to be written; more are dropped, counted and reported.</summary>
    public int QueueCapacity { get; init; } = 10_000;

    /// <summary><c>audit.include_arguments</c>: write <c>params.arguments</c> of tool calls and prompts.</summary>
    public bool IncludeArguments { get; init; }

    /// <summary><c>audit.include_results</c>: write the <c>result</c> of answers the gateway sees whole.</summary>
    public bool IncludeResults { get; init; }

    public bool Enabled => Path is not null;

    /// <summary>How often at most the gateway says that records were dropped.</summary>
    public TimeSpan DropWarningInterval { get; init; } = TimeSpan.FromSeconds(10);
}
