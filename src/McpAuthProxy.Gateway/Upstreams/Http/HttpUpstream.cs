using System.Diagnostics;
using System.Net;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Metadata;
using McpAuthProxy.Gateway.Transport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace McpAuthProxy.Gateway.Upstreams.Http;

/// <summary>
/// An HTTP MCP server behind YARP's forwarder: one invoker (no proxy, redirects, cookies or decompression), responses
/// streamed unbuffered, an idle (activity) timeout instead of a total one, and a transformer per request that strips the
/// caller's token, adds the configured upstream credential, maps paths and rewrites what must be rewritten.
/// </summary>
internal sealed partial class HttpUpstream : IMcpUpstream, IDisposable
{
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _invoker;
    private readonly ForwarderRequestConfig _requestConfig;
    private readonly GatewayEndpoints _endpoints;
    private readonly SessionBindings _sessions;
    private readonly ILogger<HttpUpstream> _logger;
    private readonly string _prefix;

    public HttpUpstream(IHttpForwarder forwarder, GatewayEndpoints endpoints, SessionBindings sessions, UpstreamCredential credential, ILogger<HttpUpstream> logger)
    {
        var settings = endpoints.Settings;
        _forwarder = forwarder;
        _endpoints = endpoints;
        _sessions = sessions;
        _logger = logger;
        Credential = credential;
        _prefix = settings.UpstreamBaseUrl!.ToString().TrimEnd('/');
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = settings.ConnectTimeout,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        });
        _requestConfig = new ForwarderRequestConfig { ActivityTimeout = settings.StreamIdleTimeout };
    }

    public UpstreamCredential Credential { get; }

    public GatewayEndpoints Endpoints => _endpoints;

    public SessionBindings Sessions => _sessions;

    public async Task ForwardAsync(McpCall call)
    {
        var context = call.Context;
        if (call.BodyBytes is { } bytes)
        {
            context.Request.Body = new MemoryStream(bytes, writable: false);
            context.Request.ContentLength = bytes.Length;
        }

        var mappedPath = _endpoints.Settings.Config.PathMapping.TryGetValue(context.Request.Path.Value ?? "/", out var mapped)
            ? mapped
            : context.Request.Path.Value ?? "/";
        var transformer = new McpForwardTransformer(this, call, _prefix, mappedPath);
        var error = await _forwarder.SendAsync(context, _prefix, _invoker, _requestConfig, transformer).ConfigureAwait(false);
        if (error != ForwarderError.None)
        {
            LogForwardFailed(_prefix, error, context.GetForwarderErrorFeature()?.Exception?.Message ?? "");
            if (!context.Response.HasStarted)
            {
                context.Response.Headers.Clear();
                await McpErrors.WriteAsync(context, StatusCodes.Status502BadGateway, McpErrors.InternalError,
                    "Bad Gateway: the MCP server did not answer", call.Body.FirstId).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _invoker.Dispose();

    [LoggerMessage(Diagnostics.EventIds.UpstreamStreamCut, LogLevel.Warning, "Cut a stream from the MCP server: {Reason}.")]
    public partial void LogStreamCut(string reason);

    [LoggerMessage(Diagnostics.EventIds.ForwardFailed, LogLevel.Warning, "Forwarding to {Upstream} failed: {Error} {Detail}")]
    private partial void LogForwardFailed(string upstream, ForwarderError error, string detail);
}
