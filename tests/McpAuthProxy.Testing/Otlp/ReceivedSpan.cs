namespace McpAuthProxy.Testing.Otlp;

/// <summary>A span as an OTLP receiver got it: ids in lowercase hex, attributes as their OTLP values.</summary>
public sealed record ReceivedSpan(
    string ServiceName,
    string ScopeName,
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Kind,
    IReadOnlyDictionary<string, object?> Attributes,
    IReadOnlyList<(string TraceId, string SpanId)> Links,
    string StatusCode,
    string? StatusMessage)
{
    public object? this[string attribute] => Attributes.GetValueOrDefault(attribute);
}
