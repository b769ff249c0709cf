using System.Collections.Concurrent;

namespace McpAuthProxy.Gateway.Transport;

/// <summary>
/// Binds each MCP session id (and legacy SSE <c>session_id</c>) to the token subject that opened it; another subject
/// presenting it is refused. A session id the gateway has not seen is bound to its first presenter. The table is
/// bounded: past <see cref="Capacity"/> entries, bindings idle for an hour are dropped, and unknown ids are no longer bound.
/// </summary>
internal sealed class SessionBindings(TimeProvider clock)
{
    public const int Capacity = 100_000;
    private static readonly TimeSpan IdleLimit = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, Binding> _owners = new(StringComparer.Ordinal);

    private sealed class Binding(string owner, long lastUsed)
    {
        public string Owner { get; } = owner;

        public long LastUsed = lastUsed;
    }

    public SessionBindings()
        : this(TimeProvider.System)
    {
    }

    /// <summary>True when <paramref name="owner"/> may use the session (binding it if it was unknown).</summary>
    public bool TryUse(string sessionId, string owner)
    {
        var now = clock.GetTimestamp();
        if (_owners.TryGetValue(sessionId, out var existing))
        {
            Interlocked.Exchange(ref existing.LastUsed, now);
            return string.Equals(existing.Owner, owner, StringComparison.Ordinal);
        }

        if (!MakeRoom())
        {
            return true;
        }

        return string.Equals(_owners.GetOrAdd(sessionId, _ => new Binding(owner, now)).Owner, owner, StringComparison.Ordinal);
    }

    /// <summary>Binds a session id the upstream just minted for <paramref name="owner"/>.</summary>
    public void Bind(string sessionId, string owner)
    {
        MakeRoom();
        _owners.TryAdd(sessionId, new Binding(owner, clock.GetTimestamp()));
    }

    public void Forget(string sessionId) => _owners.TryRemove(sessionId, out _);

    public int Count => _owners.Count;

    private bool MakeRoom()
    {
        if (_owners.Count < Capacity)
        {
            return true;
        }

        foreach (var (id, binding) in _owners)
        {
            if (clock.GetElapsedTime(Interlocked.Read(ref binding.LastUsed)) > IdleLimit)
            {
                _owners.TryRemove(id, out _);
            }
        }

        return _owners.Count < Capacity;
    }
}
