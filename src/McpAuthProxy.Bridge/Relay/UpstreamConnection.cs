using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Bridge.Relay;

/// <summary>One connection to the server. The first message on it is sent alone, so auto-detection settles once.</summary>
internal sealed class UpstreamConnection(ITransport transport, int generation)
{
    private readonly TaskCompletionSource _firstSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    public ITransport Transport { get; } = transport;
    public int Generation { get; } = generation;
    public Task? Pump { get; set; }
    public volatile bool IsAlive = true;

    public async Task SendAsync(JsonRpcMessage message, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            try
            {
                await Transport.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _firstSent.TrySetResult();
            }

            return;
        }

        await _firstSent.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await Transport.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
    }
}
