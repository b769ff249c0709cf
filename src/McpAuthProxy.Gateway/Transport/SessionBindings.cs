using System.Collections.Concurrent;

namespace McpAuthProxy.Gateway.Transport;

/// <summary>What the gateway knows of a session id a request presents.</summary>
internal enum SessionOwnership
{
    /// <summary>Bound to the presenter.</summary>
    Owner,

    /// <summary>Bound to someone else: refused.</summary>
    Other,

    /// <summary>Not bound (not minted through this gateway, or forgotten): bound to the presenter only once the upstream accepts it.</summary>
    Unknown,
}

/// <summary>
/// Binds each MCP session id (and legacy SSE session id) to the token subject that opened it; another subject presenting
/// it is refused. An id the gateway has not seen is never stored because someone presented it: it is bound to its
/// presenter only when the upstream accepts it (<see cref="Bind"/> after a 2xx answer), so ids an upstream refuses cost
/// nothing. Bounded per owner (<see cref="PerOwner"/>, so one subject cannot fill the table for everyone) and in all
/// (<see cref="Capacity"/>); bindings idle for an hour make room. When an owner or the table is full, new sessions are
/// refused (<see cref="HasRoomFor"/>) rather than left unbound.
/// </summary>
internal sealed class SessionBindings(TimeProvider clock, int perOwner = SessionBindings.DefaultPerOwner)
{
    public const int Capacity = 100_000;
    public const int DefaultPerOwner = 1_000;
    private static readonly TimeSpan IdleLimit = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, Binding> _owners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _perOwner = new(StringComparer.Ordinal);
    private readonly Lock _sweep = new();
    private long _lastSweep = long.MinValue;

    private sealed class Binding(string owner, long lastUsed)
    {
        public string Owner { get; } = owner;

        public long LastUsed = lastUsed;
    }

    public SessionBindings()
        : this(TimeProvider.System)
    {
    }

    public int PerOwner => perOwner;

    public int Count => _owners.Count;

    /// <summary>Whether <paramref name="owner"/> may use the session; a use marks it recently used.</summary>
    public SessionOwnership Check(string sessionId, string owner)
    {
        if (!_owners.TryGetValue(sessionId, out var existing))
        {
            return SessionOwnership.Unknown;
        }

        if (!string.Equals(existing.Owner, owner, StringComparison.Ordinal))
        {
            return SessionOwnership.Other;
        }

        Interlocked.Exchange(ref existing.LastUsed, clock.GetTimestamp());
        return SessionOwnership.Owner;
    }

    /// <summary>True when <paramref name="owner"/> may bind one more session (idle bindings are dropped to make room).</summary>
    public bool HasRoomFor(string owner)
    {
        if (_owners.Count < Capacity && OwnedBy(owner) < perOwner)
        {
            return true;
        }

        DropIdle();
        return _owners.Count < Capacity && OwnedBy(owner) < perOwner;
    }

    /// <summary>
    /// Binds a session id the upstream minted or accepted for <paramref name="owner"/>; false when it is bound to another
    /// owner, or when there is no room (the caller then ends the session).
    /// </summary>
    public bool Bind(string sessionId, string owner)
    {
        if (_owners.TryGetValue(sessionId, out var existing))
        {
            return string.Equals(existing.Owner, owner, StringComparison.Ordinal);
        }

        if (!HasRoomFor(owner))
        {
            return false;
        }

        var added = _owners.GetOrAdd(sessionId, _ => new Binding(owner, clock.GetTimestamp()));
        if (!string.Equals(added.Owner, owner, StringComparison.Ordinal))
        {
            return false;
        }

        _perOwner.AddOrUpdate(owner, 1, (_, n) => n + 1);
        return true;
    }

    public void Forget(string sessionId)
    {
        if (_owners.TryRemove(sessionId, out var removed))
        {
            Release(removed.Owner);
        }
    }

    private int OwnedBy(string owner) => _perOwner.TryGetValue(owner, out var n) ? n : 0;

    private void Release(string owner)
    {
        while (_perOwner.TryGetValue(owner, out var n))
        {
            if (n <= 1 ? _perOwner.TryRemove(new KeyValuePair<string, int>(owner, n)) : _perOwner.TryUpdate(owner, n - 1, n))
            {
                return;
            }
        }
    }

    /// <summary>Drops bindings idle for an hour; at most every ten seconds, so a full owner cannot make every request scan the table.</summary>
    private void DropIdle()
    {
        lock (_sweep)
        {
            if (_lastSweep != long.MinValue && clock.GetElapsedTime(_lastSweep) < TimeSpan.FromSeconds(10))
            {
                return;
            }

            _lastSweep = clock.GetTimestamp();
            foreach (var (id, binding) in _owners)
            {
                if (clock.GetElapsedTime(Interlocked.Read(ref binding.LastUsed)) > IdleLimit)
                {
                    Forget(id);
                }
            }
        }
    }
}
