using System.Net;
using System.Text;
using McpAuthProxy.Gateway.Authorization;
using McpAuthProxy.Gateway.Metadata;
using McpAuthProxy.Gateway.Transport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace McpAuthProxy.Gateway.Upstreams.Http;

/// <summary>
/// Per request: the caller's <c>Authorization</c> never leaves the gateway; the upstream credential is added; the path
/// is mapped; a session id the upstream mints is bound to the caller; and, only where needed, the response body is
/// rewritten as it streams (legacy SSE <c>endpoint</c> event, <c>tools/list</c> filtered by the caller's scopes).
/// </summary>
internal sealed class McpForwardTransformer(HttpUpstream upstream, McpCall call, string prefix, string path) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(prefix, new PathString(path), httpContext.Request.QueryString);
        proxyRequest.Headers.Remove("Authorization");
        proxyRequest.Headers.Remove("Cookie");
        if (!ClientAddressHeaders.FromTrustedProxy(httpContext, upstream.Endpoints.Settings.TrustedProxies))
        {
            ClientAddressHeaders.Strip(proxyRequest);
        }

        if (MayRewrite(httpContext))
        {
            // The body may be rewritten (a list filtered, the legacy endpoint event): ask for it uncompressed.
            proxyRequest.Headers.AcceptEncoding.Clear();
        }
        if (upstream.Credential is { Header: { } header, Value: { } value })
        {
            proxyRequest.Headers.Remove(header);
            proxyRequest.Headers.TryAddWithoutValidation(header, value);
        }
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is not null && !BindSession(httpContext, proxyResponse))
        {
            // The upstream opened a session the gateway has no room to bind: nobody gets an unbound session.
            httpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            httpContext.Response.Headers.RetryAfter = "60";
            await McpErrors.WriteAsync(httpContext, StatusCodes.Status429TooManyRequests, McpErrors.InternalError,
                "Too many sessions: end some (DELETE) or wait until they idle out", call.Body.FirstId).ConfigureAwait(false);
            return false;
        }

        // The gateway's CORS answer wins over whatever the upstream says about origins.
        var cors = httpContext.Response.Headers.Where(h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase)).ToList();
        await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        foreach (var header in httpContext.Response.Headers.Where(h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase)).Select(h => h.Key).ToList())
        {
            httpContext.Response.Headers.Remove(header);
        }

        foreach (var (name, value) in cors)
        {
            httpContext.Response.Headers[name] = value;
        }

        if (proxyResponse is null)
        {
            return false;
        }

        if (HttpMethods.IsDelete(httpContext.Request.Method) && proxyResponse.IsSuccessStatusCode && call.SessionId.Length > 0)
        {
            upstream.Sessions.Forget(call.SessionId);
        }

        if (proxyResponse.StatusCode == HttpStatusCode.Unauthorized)
        {
            // The upstream refused the gateway's own credential: point the client at the gateway's metadata, not the upstream's.
            httpContext.Response.Headers.WWWAuthenticate = McpErrors.Bearer(
                ("resource_metadata", upstream.Endpoints.ResourceMetadataUrlFor(upstream.Endpoints.ResourcePathFor(httpContext.Request.Path))));
        }

        var mediaType = proxyResponse.Content.Headers.ContentType?.MediaType;
        var isEventStream = string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
        if (isEventStream)
        {
            httpContext.Response.Headers["X-Accel-Buffering"] = "no";
        }

        var rewriteEndpoint = call.Route == McpRoute.LegacySse && isEventStream;
        var filterLists = proxyResponse.IsSuccessStatusCode && MayRewrite(httpContext) && call.Policy.FiltersLists;
        if (!rewriteEndpoint && !filterLists)
        {
            return true;
        }

        var encodings = proxyResponse.Content.Headers.ContentEncoding.Where(e => !e.Equals("identity", StringComparison.OrdinalIgnoreCase)).ToList();
        if ((!isEventStream && !string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase)) || encodings.Count > 1
            || (encodings.Count == 1 && encodings[0].ToLowerInvariant() is not ("gzip" or "x-gzip" or "deflate" or "br")))
        {
            // A list the gateway cannot read is not passed on unfiltered.
            httpContext.Response.Headers.Clear();
            await McpErrors.WriteAsync(httpContext, StatusCodes.Status502BadGateway, McpErrors.InternalError,
                $"Bad Gateway: the MCP server answered with {mediaType ?? "no content type"}{(encodings.Count > 0 ? " encoded " + string.Join(", ", encodings) : "")}, which the gateway cannot filter", call.Body.FirstId).ConfigureAwait(false);
            return false;
        }

        httpContext.Response.Headers.ContentLength = null;
        httpContext.Response.ContentLength = null;
        httpContext.Response.Headers.ContentEncoding = default;
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var source = Decoded(await proxyResponse.Content.ReadAsStreamAsync(httpContext.RequestAborted).ConfigureAwait(false), encodings.FirstOrDefault());
        if (isEventStream)
        {
            try
            {
                await SseRewriter.CopyAsync(source, httpContext.Response, (eventType, data) =>
                    eventType == "endpoint" ? RewriteEndpoint(data)
                    : filterLists ? ListFilter.Filter(data, call.Policy, call.Granted) : null, httpContext.RequestAborted).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                // An upstream that never ends an event: the stream is cut, not held in memory.
                upstream.LogStreamCut(ex.Message);
                httpContext.Abort();
            }
        }
        else
        {
            using var reader = new StreamReader(source, Encoding.UTF8);
            var json = await reader.ReadToEndAsync(httpContext.RequestAborted).ConfigureAwait(false);
            var bytes = Encoding.UTF8.GetBytes(ListFilter.Filter(json, call.Policy, call.Granted) ?? json);
            httpContext.Response.ContentLength = bytes.Length;
            await httpContext.Response.Body.WriteAsync(bytes, httpContext.RequestAborted).ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>True when the response may be rewritten: list answers (on the POST that asked, and on GET streams, a replay after Last-Event-ID) and the legacy endpoint event.</summary>
    private bool MayRewrite(HttpContext httpContext) =>
        call.Route == McpRoute.LegacySse || (call.Policy.FiltersLists && (call.AsksForList || HttpMethods.IsGet(httpContext.Request.Method)));

    /// <summary>A compressed body decompressed (the gateway asks for identity, but an upstream may compress anyway).</summary>
    private static Stream Decoded(Stream source, string? encoding) => encoding?.ToLowerInvariant() switch
    {
        "gzip" or "x-gzip" => new System.IO.Compression.GZipStream(source, System.IO.Compression.CompressionMode.Decompress),
        "deflate" => new System.IO.Compression.ZLibStream(source, System.IO.Compression.CompressionMode.Decompress),
        "br" => new System.IO.Compression.BrotliStream(source, System.IO.Compression.CompressionMode.Decompress),
        _ => source,
    };

    /// <summary>
    /// Binds a session the upstream minted (a new <c>Mcp-Session-Id</c>) or accepted (a 2xx answer for an id the gateway did
    /// not know, e.g. after a restart) to the caller. False when a minted session cannot be bound.
    /// </summary>
    private bool BindSession(HttpContext httpContext, HttpResponseMessage proxyResponse)
    {
        if (call.SessionId.Length == 0)
        {
            return !proxyResponse.Headers.TryGetValues("Mcp-Session-Id", out var ids) || ids.FirstOrDefault() is not { Length: > 0 } minted
                || upstream.Sessions.Bind(minted, call.Owner);
        }

        if (!call.SessionBound && proxyResponse.IsSuccessStatusCode && !HttpMethods.IsDelete(httpContext.Request.Method))
        {
            upstream.Sessions.Bind(call.SessionId, call.Owner);
        }

        return true;
    }

    /// <summary>Points the legacy <c>endpoint</c> event at the gateway, and binds its session id to the caller.</summary>
    private string? RewriteEndpoint(string data)
    {
        var value = data.Trim();
        string? rewritten = null;
        if (Uri.TryCreate(value, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            rewritten = upstream.Endpoints.PublicBase + absolute.PathAndQuery;
            value = absolute.PathAndQuery;
        }

        var query = value.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? value[(q + 1)..] : "";
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && pair[..eq] is "session_id" or "sessionId")
            {
                upstream.Sessions.Bind(Uri.UnescapeDataString(pair[(eq + 1)..]), call.Owner);
            }
        }

        return rewritten;
    }
}
