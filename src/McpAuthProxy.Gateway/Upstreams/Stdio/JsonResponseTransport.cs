using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Gateway.Upstreams.Stdio;

/// <summary>
/// The answer to one POSTed request, written by the gateway itself: when the process's response is the first thing it
/// sends for that request, one <c>application/json</c> body with its length; when something comes first (progress, a
/// log message, a request of the server's own), an SSE stream that carries those and then the response, as the
/// Streamable HTTP transport allows. <see cref="Completion"/> ends when the response has been written.
/// </summary>
internal sealed class JsonResponseTransport(HttpResponse response, RequestId requestId, string sessionId) : ITransport
{
    private static readonly byte[] EventPrefix = Encoding.UTF8.GetBytes("event: message\ndata: ");
    private static readonly byte[] EventSuffix = Encoding.UTF8.GetBytes("\n\n");

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _streaming;

    public Task Completion => _done.Task;

    public string? SessionId => sessionId;

    public ChannelReader<JsonRpcMessage> MessageReader =>
        throw new NotSupportedException("The answer to one request only sends; messages from the client arrive by POST.");

    public async Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        var final = message is JsonRpcMessageWithId { Id: var id } and (JsonRpcResponse or JsonRpcError) && id.Equals(requestId);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_done.Task.IsCompleted)
            {
                // The answer is out, or the client is gone: a late message has nowhere to go.
                return;
            }

            var json = JsonSerializer.SerializeToUtf8Bytes(message, StdioUpstream.MessageType);
            if (final && !_streaming)
            {
                response.ContentType = "application/json";
                response.ContentLength = json.Length;
                await response.Body.WriteAsync(json, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (!_streaming)
                {
                    _streaming = true;
                    response.ContentType = "text/event-stream";
                    response.Headers.CacheControl = "no-cache,no-store";
                    response.Headers["X-Accel-Buffering"] = "no";
                    response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
                }

                await response.Body.WriteAsync(EventPrefix, cancellationToken).ConfigureAwait(false);
                await response.Body.WriteAsync(json, cancellationToken).ConfigureAwait(false);
                await response.Body.WriteAsync(EventSuffix, cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            if (final)
            {
                _done.TrySetResult();
            }
        }
        catch (Exception)
        {
            // The client went away (or its connection broke) while this was written: nobody is left to tell, and the
            // session and its process carry on.
            _done.TrySetCanceled();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The request ended without an answer (the client went away, the session closed).</summary>
    public void Abandon() => _done.TrySetCanceled();

    public ValueTask DisposeAsync()
    {
        Abandon();
        return ValueTask.CompletedTask;
    }
}
