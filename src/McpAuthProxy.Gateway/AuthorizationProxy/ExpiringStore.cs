using System.Collections.Concurrent;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>
/// Single-use entries with a deadline, in memory: pending consents, states sent to the provider, and codes issued to MCP
/// clients. <see cref="TryTake"/> removes what it returns, so each value works once; expired entries are dropped as new
/// ones arrive; a full store refuses new entries rather than grow without bound.
/// </summary>
internal sealed class ExpiringStore<T>(TimeSpan lifetime, TimeProvider time, int capacity = 10_000)
{
    private readonly ConcurrentDictionary<string, (T Value, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);
    private long _nextSweep;

    public TimeSpan Lifetime => lifetime;

    public bool TryAdd(string key, T value)
    {
        var now = time.GetUtcNow();
        if (now.UtcTicks >= Interlocked.Read(ref _nextSweep) || _entries.Count >= capacity)
        {
            Interlocked.Exchange(ref _nextSweep, now.AddSeconds(30).UtcTicks);
            foreach (var (k, entry) in _entries)
            {
                if (entry.Until <= now)
                {
                    _entries.TryRemove(k, out _);
                }
            }
        }

        return _entries.Count < capacity && _entries.TryAdd(key, (value, now + lifetime));
    }

    public bool TryTake(string? key, out T value)
    {
        if (key is not null && _entries.TryRemove(key, out var entry) && entry.Until > time.GetUtcNow())
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }
}
