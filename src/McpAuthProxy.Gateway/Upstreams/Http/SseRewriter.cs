using System.Text;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Gateway.Upstreams.Http;

/// <summary>
/// Copies a server-sent event stream event by event, flushing each; an event's data may be replaced. An event is held
/// whole to be rewritten, so one larger than <see cref="MaxEventChars"/> ends the stream (an upstream that never ends
/// a line must not fill the gateway's memory).
/// </summary>
internal static class SseRewriter
{
    public const int MaxEventChars = 32 * 1024 * 1024;

    /// <param name="rewrite">Given the event type and its data, the new data, or null to keep the event as it is.</param>
    public static async Task CopyAsync(Stream source, HttpResponse response, Func<string?, string, string?> rewrite, CancellationToken cancellationToken)
    {
        using var reader = new BoundedLineReader(source, MaxEventChars);
        var lines = new List<string>();
        string? eventType = null;
        var data = new StringBuilder();
        var hasData = false;

        async Task FlushEventAsync()
        {
            var replacement = hasData ? rewrite(eventType, data.ToString()) : null;
            var output = new StringBuilder();
            foreach (var line in lines)
            {
                if (replacement is null || !line.StartsWith("data:", StringComparison.Ordinal))
                {
                    output.Append(line).Append('\n');
                }
            }

            if (replacement is not null)
            {
                foreach (var part in replacement.Split('\n'))
                {
                    output.Append("data: ").Append(part).Append('\n');
                }
            }

            output.Append('\n');
            await response.Body.WriteAsync(Encoding.UTF8.GetBytes(output.ToString()), cancellationToken).ConfigureAwait(false);
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            lines.Clear();
            eventType = null;
            data.Clear();
            hasData = false;
        }

        var held = 0L;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            held = line.Length == 0 ? 0 : held + line.Length;
            if (held > MaxEventChars)
            {
                throw new InvalidDataException($"an event of the upstream's stream is longer than {MaxEventChars} characters");
            }

            if (line.Length == 0)
            {
                await FlushEventAsync().ConfigureAwait(false);
                continue;
            }

            lines.Add(line);
            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                eventType = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                var value = line[5..];
                if (value.StartsWith(' '))
                {
                    value = value[1..];
                }

                if (hasData)
                {
                    data.Append('\n');
                }

                data.Append(value);
                hasData = true;
            }
        }

        if (lines.Count > 0)
        {
            await FlushEventAsync().ConfigureAwait(false);
        }
    }
}
