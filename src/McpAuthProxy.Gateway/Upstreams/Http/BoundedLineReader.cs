using System.Text;

namespace McpAuthProxy.Gateway.Upstreams.Http;

/// <summary>
/// Lines of UTF-8 text (ended by LF, CRLF or CR, as server-sent events allow), none longer than a limit: a longer line
/// throws <see cref="InvalidDataException"/> instead of growing without end.
/// </summary>
internal sealed class BoundedLineReader(Stream source, int maxLineChars) : IDisposable
{
    private readonly StreamReader _reader = new(source, Encoding.UTF8);
    private readonly char[] _buffer = new char[16 * 1024];
    private readonly StringBuilder _line = new();
    private int _start;
    private int _end;
    private bool _afterCr;

    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await _reader.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (_end == 0)
                {
                    if (_line.Length == 0)
                    {
                        return null;
                    }

                    var last = _line.ToString();
                    _line.Clear();
                    return last;
                }
            }

            if (_afterCr)
            {
                // CRLF: the LF belongs to the line the CR ended.
                _afterCr = false;
                if (_buffer[_start] == '\n')
                {
                    _start++;
                    continue;
                }
            }

            var span = _buffer.AsSpan(_start, _end - _start);
            var stop = span.IndexOfAny('\n', '\r');
            if (stop < 0)
            {
                Append(span);
                _start = _end;
                continue;
            }

            Append(span[..stop]);
            _afterCr = span[stop] == '\r';
            _start += stop + 1;
            var line = _line.ToString();
            _line.Clear();
            return line;
        }
    }

    private void Append(ReadOnlySpan<char> text)
    {
        if (_line.Length + text.Length > maxLineChars)
        {
            throw new InvalidDataException($"a line of the upstream's stream is longer than {maxLineChars} characters");
        }

        _line.Append(text);
    }

    public void Dispose() => _reader.Dispose();
}
