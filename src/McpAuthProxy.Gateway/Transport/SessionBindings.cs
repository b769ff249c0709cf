using System.Collections.Concurrent;

namespace McpAuthProxy.Gateway.Transport;

/// <summary>
/// Binds each MCP session id (and legacy SSE <c>session_id</c>) to the token subject that opened it; another subject
/// presenting it is refused. A session id the gateway has not seen is bound to its first presenter.
/// </summary>
internal sealed class SessionBindings
{
    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="owner"/> may use the session (binding it if it was unknown).</summary>
    public bool TryUse(string sessionId, string owner) => string.Equals(_owners.GetOrAdd(sessionId, owner), owner, StringComparison.Ordinal);

    public void Bind(string sessionId, string owner) => _owners.TryAdd(sessionId, owner);

    public void Forget(string sessionId) => _owners.TryRemove(sessionId, out _);

    public int Count => _owners.Count;
}
