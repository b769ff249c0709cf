using System.Collections.Concurrent;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Bridge.Relay;

/// <summary>
/// The bridge's own requests to the server (the era probe, an initialize for a 2026-era client, the initialize replayed
/// after a reconnection): their answers go to whoever waits for them, never to the client.
/// </summary>
internal sealed class InternalRequests
{
    private readonly ConcurrentDictionary<RequestId, TaskCompletionSource<JsonRpcMessage>?> _waiting = new();
    private int _next;

    /// <summary>A fresh id that no client uses.</summary>
    public RequestId NewId(string kind = "") => new($"mcp-auth-proxy-{kind}{Interlocked.Increment(ref _next)}");

    /// <summary>Registers <paramref name="id"/>; the returned task completes with its answer.</summary>
    public Task<JsonRpcMessage> Expect(RequestId id)
    {
        var answer = new TaskCompletionSource<JsonRpcMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = answer;
        return answer.Task;
    }

    /// <summary>Registers <paramref name="id"/> as a request whose answer nobody needs.</summary>
    public void Ignore(RequestId id) => _waiting[id] = null;

    public void Forget(RequestId id) => _waiting.TryRemove(id, out _);

    /// <summary>Takes <paramref name="answer"/> when it answers one of ours; false when it is for the client.</summary>
    public bool TryTake(JsonRpcMessageWithId answer)
    {
        if (!_waiting.TryRemove(answer.Id, out var waiter))
        {
            return false;
        }

        waiter?.TrySetResult(answer);
        return true;
    }
}
