namespace McpAuthProxy.Gateway.Audit;

/// <summary>
/// Audit lines appended to a file (mode 0600, its folder made 0700 when missing) that is rotated by size: before a line
/// would take it past <c>maxBytes</c>, <c>audit.log</c> becomes <c>audit.log.1</c>, <c>.1</c> becomes <c>.2</c>... and
/// the oldest beyond <c>keep</c> is deleted. A line is never split across files.
/// </summary>
internal sealed class RotatingFileAuditSink : IAuditSink
{
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _keep;
    private FileStream _stream;
    private long _length;

    public RotatingFileAuditSink(string path, long maxBytes, int keep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        _path = Path.GetFullPath(path);
        _maxBytes = maxBytes;
        _keep = keep;
        if (Path.GetDirectoryName(_path) is { } folder && !Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        _stream = Open();
    }

    public void Write(ReadOnlySpan<byte> line)
    {
        if (_length > 0 && _length + line.Length > _maxBytes)
        {
            Rotate();
        }

        _stream.Write(line);
        _length += line.Length;
    }

    public void Flush() => _stream.Flush();

    public void Dispose() => _stream.Dispose();

    private void Rotate()
    {
        _stream.Dispose();
        File.Delete($"{_path}.{_keep}");
        for (var i = _keep - 1; i >= 1; i--)
        {
            if (File.Exists($"{_path}.{i}"))
            {
                File.Move($"{_path}.{i}", $"{_path}.{i + 1}", overwrite: true);
            }
        }

        File.Move(_path, $"{_path}.1", overwrite: true);
        _stream = Open();
    }

    private FileStream Open()
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = 64 * 1024,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(_path, options);
        _length = stream.Length;
        return stream;
    }
}
