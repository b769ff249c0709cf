using System.Collections.Concurrent;

namespace McpAuthProxy.Telemetry.Conventions;

/// <summary>
/// Admits at most <c>capacity</c> distinct values of one metric attribute (tool names, prompt names, error codes) and
/// maps every later one to <c>_OTHER</c>, so that the values callers choose cannot grow the number of series without
/// bound. The values admitted first stay admitted.
/// </summary>
public sealed class BoundedTagValues(int capacity = 256)
{
    private readonly ConcurrentDictionary<string, string> _admitted = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>Values longer than this are never admitted.</summary>
    public const int MaxLength = 128;

    /// <summary><paramref name="value"/> when admitted (the first instance seen), else <c>_OTHER</c>; null stays null.</summary>
    public string? Admit(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (_admitted.TryGetValue(value, out var known))
        {
            return known;
        }

        if (value.Length > MaxLength || Volatile.Read(ref _count) >= capacity || Interlocked.Increment(ref _count) > capacity)
        {
            return McpAttributeValues.Other;
        }

        return _admitted.GetOrAdd(value, value);
    }
}
