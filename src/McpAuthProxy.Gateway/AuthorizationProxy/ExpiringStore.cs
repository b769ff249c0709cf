using System.Collections.Concurrent;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>
/// Single-use entries with a deadline, in memory: pending consents, states sent to the provider, and codes issued to MCP
/// clients. <see cref="TryTake"/> removes what it returns, so each value works once; expired entries are dropped as new
/// ones arrive; a full store refuses new entries rather than grow without bound, and one party (a client address) may
/// hold at most <paramref name="perParty"/> of them, so that it cannot fill the store for everyone else.
/// </summary>
internal sealed class ExpiringStore<T>(TimeSpan lifetime, TimeProvider time, int capacity = 10_000, int perParty = int.MaxValue)
{
    private readonly ConcurrentDictionary<string, (T Value, DateTimeOffset Until, string? Party)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _perParty = new(StringComparer.Ordinal);
    private long _nextSweep;

    public TimeSpan Lifetime => lifetime;

    public int Count => _entries.Count;

    public bool TryAdd(string key, T value, string? party = null)
    {
        var now = time.GetUtcNow();
        if (now.UtcTicks >= Interlocked.Read(ref _nextSweep) || _entries.Count >= capacity || (party is not null && Held(party) >= perParty))
        {
            Interlocked.Exchange(ref _nextSweep, now.AddSeconds(30).UtcTicks);
            foreach (var (k, entry) in _entries)
            {
                if (entry.Until <= now)
                {
                    Remove(k);
                }
            }
        }

        if (_entries.Count >= capacity || (party is not null && Held(party) >= perParty))
        {
            return false;
        }

        if (!_entries.TryAdd(key, (value, now + lifetime, party)))
        {
            return false;
        }

        if (party is not null)
        {
            _perParty.AddOrUpdate(party, 1, (_, n) => n + 1);
        }

        return true;
    }

    public bool TryTake(string? key, out T value)
    {
        if (key is not null && Remove(key) is { } entry && entry.Until > time.GetUtcNow())
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    private int Held(string party) => _perParty.TryGetValue(party, out var n) ? n : 0;

    private (T Value, DateTimeOffset Until, string? Party)? Remove(string key)
    {
        if (!_entries.TryRemove(key, out var entry))
        {
            return null;
        }

        if (entry.Party is { } party)
        {
            while (_perParty.TryGetValue(party, out var n)
                && !(n <= 1 ? _perParty.TryRemove(new KeyValuePair<string, int>(party, n)) : _perParty.TryUpdate(party, n - 1, n)))
            {
            }
        }

        return entry;
    }
}
