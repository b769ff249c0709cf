using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpAuthProxy.Gateway.Tests.Infrastructure;

/// <summary>
/// A real MCP server over Streamable HTTP (ModelContextProtocol.Core's McpServer on StreamableHttpServerTransport,
/// one per session), hosted by Kestrel on 127.0.0.1:0, recording the headers each request arrived with.
/// </summary>
public sealed class McpUpstreamServer : IAsyncDisposable
{
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType = (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (StreamableHttpServerTransport Transport, McpServer Server, Task Run)> _sessions = new();

    private McpUpstreamServer(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request's Authorization header value (null when absent), in arrival order.</summary>
    public ConcurrentQueue<string?> SeenAuthorization { get; } = new();

    public ConcurrentQueue<string?> SeenApiKey { get; } = new();

    /// <summary>Every request's path and headers, in arrival order.</summary>
    public ConcurrentQueue<(string Path, Dictionary<string, string> Headers)> Seen { get; } = new();

    private readonly ConcurrentDictionary<string, (SseResponseStreamTransport Transport, McpServer Server)> _legacy = new();

    /// <summary>Completed when a call of the "slow" tool has started.</summary>
    public TaskCompletionSource SlowCallStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public McpServerOptions CreateOptions() => new()
    {
        ServerInfo = new Implementation { Name = "test-upstream", Version = "1.0.0" },
        ToolCollection =
        [
            McpServerTool.Create((string message) => $"Echo: {message}", new() { Name = "echo", Description = "Echoes the message" }),
            McpServerTool.Create((int a, int b) => a + b, new() { Name = "add", Description = "Adds two numbers" }),
            McpServerTool.Create(() => "reset done", new() { Name = "admin_reset", Description = "Needs mcp:admin" }),
            McpServerTool.Create(async (int milliseconds) =>
            {
                SlowCallStarted.TrySetResult();
                await Task.Delay(milliseconds);
                return "slow done";
            }, new() { Name = "slow", Description = "Works for a while (the work is simulated)" }),
        ],
    };

    public static async Task<McpUpstreamServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var server = new McpUpstreamServer(app);
        app.Use((context, next) =>
        {
            server.SeenAuthorization.Enqueue(context.Request.Headers.Authorization.Count > 0 ? context.Request.Headers.Authorization.ToString() : null);
            server.SeenApiKey.Enqueue(context.Request.Headers["X-Api-Key"].Count > 0 ? context.Request.Headers["X-Api-Key"].ToString() : null);
            server.Seen.Enqueue((context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            context.Response.Headers.AccessControlAllowOrigin = "*";
            return next(context);
        });
        app.MapGet("/sse", (RequestDelegate)server.LegacySseAsync);
        app.MapPost("/messages", (RequestDelegate)server.LegacyMessageAsync);
        app.MapPost("/mcp", (RequestDelegate)server.PostAsync);
        app.MapGet("/mcp", (RequestDelegate)server.GetAsync);
        app.MapDelete("/mcp", (RequestDelegate)server.DeleteAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        server.BaseUrl = new Uri(app.Urls.Single());
        return server;
    }

    private async Task PostAsync(HttpContext context)
    {
        var message = await JsonSerializer.DeserializeAsync(context.Request.Body, MessageType, context.RequestAborted);
        if (message is null)
        {
            context.Response.StatusCode = 400;
            return;
        }

        var sessionId = context.Request.Headers["Mcp-Session-Id"].ToString();
        if (sessionId.Length == 0)
        {
            sessionId = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            var transport = new StreamableHttpServerTransport(null) { SessionId = sessionId };
            var mcp = McpServer.Create(transport, CreateOptions());
            _sessions[sessionId] = (transport, mcp, mcp.RunAsync());
        }
        else if (!_sessions.ContainsKey(sessionId))
        {
            context.Response.StatusCode = 404;
            return;
        }

        var session = _sessions[sessionId];
        context.Response.Headers["Mcp-Session-Id"] = sessionId;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        if (!await session.Transport.HandlePostRequestAsync(message, context.Response.Body, context.RequestAborted))
        {
            context.Response.ContentType = null;
            context.Response.StatusCode = 202;
        }
    }

    /// <summary>Legacy HTTP+SSE (2024-11-05): the endpoint event names the upstream's absolute URL, which the gateway must rewrite.</summary>
    private async Task LegacySseAsync(HttpContext context)
    {
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        context.Response.ContentType = "text/event-stream";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        await using var transport = new SseResponseStreamTransport(context.Response.Body, $"{BaseUrl.ToString().TrimEnd('/')}/messages?sessionId={id}", id);
        await using var mcp = McpServer.Create(transport, CreateOptions());
        _legacy[id] = (transport, mcp);
        try
        {
            var run = transport.RunAsync(context.RequestAborted);
            await Task.WhenAny(mcp.RunAsync(context.RequestAborted), run);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _legacy.TryRemove(id, out _);
        }
    }

    private async Task LegacyMessageAsync(HttpContext context)
    {
        if (!_legacy.TryGetValue(context.Request.Query["sessionId"].ToString(), out var session))
        {
            context.Response.StatusCode = 404;
            return;
        }

        var message = await JsonSerializer.DeserializeAsync(context.Request.Body, MessageType, context.RequestAborted);
        context.Response.StatusCode = 202;
        await session.Transport.OnMessageReceivedAsync(message!, context.RequestAborted);
    }

    private async Task GetAsync(HttpContext context)
    {
        if (!_sessions.TryGetValue(context.Request.Headers["Mcp-Session-Id"].ToString(), out var session))
        {
            context.Response.StatusCode = 404;
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        await context.Response.Body.FlushAsync(context.RequestAborted);
        try
        {
            await session.Transport.HandleGetRequestAsync(context.Response.Body, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task DeleteAsync(HttpContext context)
    {
        if (_sessions.TryRemove(context.Request.Headers["Mcp-Session-Id"].ToString(), out var session))
        {
            await session.Server.DisposeAsync();
            await session.Transport.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions.Values)
        {
            await session.Server.DisposeAsync();
            await session.Transport.DisposeAsync();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
