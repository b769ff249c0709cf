using System.Collections.Concurrent;
using System.IO.Compression;
using Google.Protobuf;
using McpAuthProxy.Testing.Otlp.Proto;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Testing.Otlp;

/// <summary>
/// A real OTLP/HTTP receiver for a test: Kestrel on a free 127.0.0.1 port taking <c>POST /v1/traces</c> in protobuf
/// (what OpenTelemetry .NET's exporter sends with <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>, gzip or not),
/// decoding each span with Google.Protobuf, and answering as a collector does. <c>/v1/metrics</c> and <c>/v1/logs</c>
/// are accepted and counted. Point an exporter at <see cref="Endpoint"/> (the <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> base).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly SemaphoreSlim _received = new(0);
    private int _metricExports;

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:41234</c> (the exporter appends <c>/v1/traces</c>).</summary>
    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyCollection<ReceivedSpan> Spans => _spans.ToArray();

    public int MetricExports => Volatile.Read(ref _metricExports);

    public static async Task<OtlpReceiver> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", (Func<HttpContext, Task<IResult>>)receiver.TracesAsync);
        app.MapPost("/v1/metrics", (HttpContext context) =>
        {
            Interlocked.Increment(ref receiver._metricExports);
            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/v1/logs", () => Results.Bytes([], "application/x-protobuf"));
        await app.StartAsync(cancellationToken);
        receiver.Endpoint = new Uri(app.Urls.Single());
        return receiver;
    }

    /// <summary>Waits until a received span matches <paramref name="predicate"/>.</summary>
    public async Task<ReceivedSpan> WaitForSpanAsync(Func<ReceivedSpan, bool> predicate, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TestTimeouts.Default);
        while (true)
        {
            if (_spans.FirstOrDefault(predicate) is { } found)
            {
                return found;
            }

            try
            {
                await _received.WaitAsync(TimeSpan.FromMilliseconds(200), limit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException("the OTLP receiver got no such span; it got:\n" + string.Join('\n', _spans.Select(s => $"{s.Name} {s.TraceId}/{s.SpanId}")));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> TracesAsync(HttpContext context)
    {
        if (!(context.Request.ContentType ?? "").StartsWith("application/x-protobuf", StringComparison.Ordinal))
        {
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }

        var body = new MemoryStream();
        var input = context.Request.Headers.ContentEncoding.ToString() == "gzip"
            ? new GZipStream(context.Request.Body, CompressionMode.Decompress)
            : context.Request.Body;
        await input.CopyToAsync(body, context.RequestAborted);
        var request = ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray());
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var service = resourceSpans.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value.StringValue ?? "";
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                foreach (var span in scopeSpans.Spans)
                {
                    _spans.Enqueue(new ReceivedSpan(
                        service,
                        scopeSpans.Scope?.Name ?? "",
                        Convert.ToHexStringLower(span.TraceId.Span),
                        Convert.ToHexStringLower(span.SpanId.Span),
                        span.ParentSpanId.IsEmpty ? null : Convert.ToHexStringLower(span.ParentSpanId.Span),
                        span.Name,
                        span.Kind.ToString(),
                        span.Attributes.ToDictionary(a => a.Key, a => ValueOf(a.Value)),
                        span.Links.Select(l => (Convert.ToHexStringLower(l.TraceId.Span), Convert.ToHexStringLower(l.SpanId.Span))).ToList(),
                        span.Status?.Code.ToString() ?? "Unset",
                        span.Status is { Message.Length: > 0 } status ? status.Message : null));
                    _received.Release();
                }
            }
        }

        return Results.Bytes(new ExportTraceServiceResponse().ToByteArray(), "application/x-protobuf");
    }

    private static object? ValueOf(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue,
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue,
        AnyValue.ValueOneofCase.ArrayValue => value.ArrayValue.Values.Select(ValueOf).ToArray(),
        _ => null,
    };
}
