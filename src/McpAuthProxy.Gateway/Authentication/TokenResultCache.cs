using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;

namespace McpAuthProxy.Gateway.Authentication;

/// <summary>
/// Bearer tokens decided recently, each with its result until a given time: a client sends the same token on every
/// call, and the signature check (or the introspection call) need not be repeated for each. An entry may carry a stamp
/// (the issuer's key set it was checked against), and is only good while the caller presents that same stamp. Keyed by
/// the token itself, which the process holds anyway while it serves the request (hashing it would cost more than the
/// lookup saves; the dictionary's string hashing is randomized, so keys cannot be chosen to collide). Bounded: when
/// full, expired entries go first, and if it is still full nothing new is kept (every request is then checked in full,
/// which is correct, only slower).
/// </summary>
internal sealed class TokenResultCache(TimeProvider time, int capacity = TokenResultCache.DefaultCapacity)
{
    public const int DefaultCapacity = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public bool TryGet(string token, object? stamp, out AuthenticateResult result)
    {
        if (_entries.TryGetValue(token, out var entry) && ReferenceEquals(entry.Stamp, stamp) && entry.Until > time.GetUtcNow())
        {
            result = entry.Result;
            return true;
        }

        result = null!;
        return false;
    }

    /// <summary>Keeps <paramref name="result"/> for <paramref name="token"/> until <paramref name="until"/>, if that is still ahead.</summary>
    public void Add(string token, object? stamp, AuthenticateResult result, DateTimeOffset until)
    {
        var now = time.GetUtcNow();
        if (until <= now)
        {
            return;
        }

        if (_entries.Count >= capacity)
        {
            foreach (var (key, entry) in _entries)
            {
                if (entry.Until <= now)
                {
                    _entries.TryRemove(key, out _);
                }
            }

            if (_entries.Count >= capacity)
            {
                return;
            }
        }

        _entries[token] = new Entry(result, stamp, until);
    }

    private sealed record Entry(AuthenticateResult Result, object? Stamp, DateTimeOffset Until);
}
