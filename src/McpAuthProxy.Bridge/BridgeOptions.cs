using McpAuthProxy.OAuth;

namespace McpAuthProxy.Bridge;

/// <summary>Which HTTP transport to speak to the MCP server.</summary>
public enum BridgeTransport
{
    /// <summary>Streamable HTTP, falling back to HTTP+SSE when the server refuses it; HTTP+SSE for URLs ending in <c>/sse</c>.</summary>
    Auto,
    StreamableHttp,
    Sse,
}

/// <summary>Everything the bridge needs, already validated by the command line.</summary>
public sealed record BridgeOptions
{
    public required Uri ServerUrl { get; init; }

    /// <summary>How to sign in; null sends no token.</summary>
    public OAuthClientOptions? OAuth { get; init; }

    public BridgeTransport Transport { get; init; } = BridgeTransport.Auto;

    /// <summary>The largest answer of the server the bridge reads (<c>--max-message-size</c>); past it the request gets an error.</summary>
    public long MaxMessageBytes { get; init; } = McpAuthProxy.Bridge.Transport.MessageSizeLimit.DefaultMaxBytes;

    /// <summary>Extra headers sent with every request to the server.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The transport actually used: legacy HTTP+SSE for a path ending in <c>/sse</c> under <see cref="BridgeTransport.Auto"/>.</summary>
    public BridgeTransport EffectiveTransport =>
        Transport == BridgeTransport.Auto && IsSsePath(ServerUrl) ? BridgeTransport.Sse : Transport;

    /// <summary>authful-mcp-proxy's rule: the path matches <c>/sse(/|?|&amp;|$)</c>.</summary>
    public static bool IsSsePath(Uri url)
    {
        var path = url.AbsolutePath;
        var i = path.IndexOf("/sse", StringComparison.OrdinalIgnoreCase);
        while (i >= 0)
        {
            var end = i + 4;
            if (end == path.Length || path[end] == '/')
            {
                return true;
            }

            i = path.IndexOf("/sse", end, StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }
}
