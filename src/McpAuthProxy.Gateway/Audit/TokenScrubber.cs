using System.Buffers;
using System.Text.Json;
using System.Text.RegularExpressions;
using McpAuthProxy.OAuth.Diagnostics;

namespace McpAuthProxy.Gateway.Audit;

/// <summary>
/// Replaces what looks like a credential in a string the audit log writes (a JWT, or whatever follows <c>Bearer</c>)
/// by its 8-hex fingerprint: <c>[jwt:1a2b3c4d]</c>, <c>Bearer [redacted:1a2b3c4d]</c>. The record has no place for the
/// caller's token; this covers tool arguments and results that carry one, and any field that should never have.
/// </summary>
internal static partial class TokenScrubber
{
    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*|(?<=\bBearer\s+)(?!\[)[^\s""',;]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Credential();

    /// <summary><paramref name="value"/> with every credential-looking part replaced; the same instance when there is none.</summary>
    public static string? Scrub(string? value)
    {
        if (string.IsNullOrEmpty(value) || !MayHoldCredential(value))
        {
            return value;
        }

        return Credential().Replace(value, static m =>
            m.Value.StartsWith("eyJ", StringComparison.OrdinalIgnoreCase) ? $"[jwt:{Fingerprint.Of(m.Value)}]" : $"[redacted:{Fingerprint.Of(m.Value)}]");
    }

    /// <summary>The record with every string scrubbed, arguments and results included; the same instance when clean.</summary>
    public static AuditRecord Scrub(AuditRecord record)
    {
        var scrubbed = record with
        {
            Subject = Scrub(record.Subject),
            ClientId = Scrub(record.ClientId),
            Session = Scrub(record.Session),
            HttpMethod = Scrub(record.HttpMethod),
            Method = Scrub(record.Method),
            RequestId = Scrub(record.RequestId),
            Tool = Scrub(record.Tool),
            Prompt = Scrub(record.Prompt),
            Resource = Scrub(record.Resource),
            Decision = Scrub(record.Decision),
            Reason = Scrub(record.Reason),
            ErrorType = Scrub(record.ErrorType),
            Upstream = Scrub(record.Upstream),
            ClientAddress = Scrub(record.ClientAddress),
            TraceId = Scrub(record.TraceId),
            Arguments = Scrub(record.Arguments),
            Result = Scrub(record.Result),
        };
        return scrubbed == record ? record : scrubbed;
    }

    private static JsonElement? Scrub(JsonElement? element)
    {
        if (element is not { } value || !MayHoldCredential(value.GetRawText()))
        {
            return element;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(value, writer);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void Write(JsonElement element, Utf8JsonWriter writer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(Scrub(property.Name)!);
                    Write(property.Value, writer);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(item, writer);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(Scrub(element.GetString()));
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static bool MayHoldCredential(string value) =>
        value.Contains("eyJ", StringComparison.OrdinalIgnoreCase) || value.Contains("bearer", StringComparison.OrdinalIgnoreCase);
}
