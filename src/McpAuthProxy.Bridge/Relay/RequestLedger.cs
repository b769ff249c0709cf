using System.Collections.Concurrent;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Bridge.Relay;

/// <summary>One client request in flight: what it asked, where it went, and whether the client still wants its answer.</summary>
internal sealed class PendingRequest(RequestId id, string method)
{
    public RequestId Id { get; } = id;

    public string Method { get; } = method;

    /// <summary>The connection it was sent on (0 until sent): a lost connection answers its own requests with an error.</summary>
    public int Generation { get; set; }

    /// <summary>The client cancelled it: whatever happens to it now, the client gets no answer.</summary>
    public bool Abandoned { get; set; }

    /// <summary>Set while an <c>initialize</c> is being sent: its answer waits for the send to return (the session id).</summary>
    public TaskCompletionSource? Sent { get; set; }
}

/// <summary>
/// The relay's ledger: one record per client request from the moment it is read until it is answered, whoever answers
/// it (the server, the translator, or the relay with an error). A request leaves the ledger exactly once, so it gets
/// exactly one answer; an answer for a request no longer in the ledger is dropped.
/// </summary>
internal sealed class RequestLedger
{
    private readonly ConcurrentDictionary<RequestId, PendingRequest> _entries = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _empty = Completed();

    public bool IsEmpty => _entries.IsEmpty;

    public int Count => _entries.Count;

    /// <summary>The requests in flight now.</summary>
    public IEnumerable<PendingRequest> InFlight => _entries.Values;

    /// <summary>Records a request read from the client; a repeated id replaces the earlier record, as the client reused it.</summary>
    public PendingRequest Open(JsonRpcRequest request)
    {
        var entry = new PendingRequest(request.Id, request.Method);
        lock (_gate)
        {
            _entries[request.Id] = entry;
            if (_empty.Task.IsCompleted)
            {
                _empty = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        return entry;
    }

    public PendingRequest? Find(RequestId id) => _entries.GetValueOrDefault(id);

    /// <summary>The client cancelled the request.</summary>
    public void Abandon(RequestId id)
    {
        if (_entries.TryGetValue(id, out var entry))
        {
            entry.Abandoned = true;
        }
    }

    /// <summary>Takes the request out of the ledger to answer it; null when it was already answered (or never seen).</summary>
    public PendingRequest? Close(RequestId id)
    {
        lock (_gate)
        {
            if (!_entries.TryRemove(id, out var entry))
            {
                return null;
            }

            if (_entries.IsEmpty)
            {
                _empty.TrySetResult();
            }

            return entry;
        }
    }

    /// <summary>Waits until every request has been answered, or <paramref name="timeout"/> passes.</summary>
    public async Task WhenEmptyAsync(TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        Task empty;
        lock (_gate)
        {
            empty = _entries.IsEmpty ? Task.CompletedTask : _empty.Task;
        }

        await empty.WaitAsync(timeout, clock, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }
}
