using System.Text;
using CsCheck;
using McpAuthProxy.Gateway.Upstreams.Http;

namespace McpAuthProxy.Gateway.Tests.Upstreams;

/// <summary>The line reader of the gateway's event-stream rewriting: StreamReader's lines, but never an endless one.</summary>
public sealed class BoundedLineReaderTests
{
    private static async Task<List<string>> LinesAsync(string text, int limit, int chunk)
    {
        using var reader = new BoundedLineReader(new ChunkedStream(Encoding.UTF8.GetBytes(text), chunk), limit);
        var lines = new List<string>();
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    [Fact]
    public async Task It_reads_the_lines_StreamReader_reads_whatever_the_line_ends_and_chunking()
    {
        await Gen.Select(Gen.String[Gen.Char["ab\r\n é"], 0, 60], Gen.Int[1, 7]).SampleAsync(async (text, chunk) =>
        {
            using var expected = new StringReader(text);
            var lines = new List<string>();
            while (await expected.ReadLineAsync() is { } line)
            {
                lines.Add(line);
            }

            Assert.Equal(lines, await LinesAsync(text, 1000, chunk));
        }, iter: 2000);
    }

    [Fact]
    public async Task A_line_longer_than_the_limit_throws_instead_of_growing()
    {
        await Assert.ThrowsAsync<InvalidDataException>(() => LinesAsync("data: " + new string('x', 5000), 1000, 64));
        Assert.Equal(["data: ok", ""], await LinesAsync("data: ok\n\n", 1000, 3));
    }

    /// <summary>A stream that hands out at most a few bytes per read, as a network does.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
    }
}
