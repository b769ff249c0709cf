using McpAuthProxy.Gateway.Configuration;

namespace McpAuthProxy.Gateway.Metadata;

/// <summary>
/// The gateway's public addresses: <c>proxy_base_url</c> when configured, otherwise the address it is bound to
/// (known once the server started). Resource identifiers, accepted audiences and metadata URLs all come from here.
/// </summary>
internal sealed class GatewayEndpoints(GatewaySettings settings)
{
    private Uri? _boundBase;

    public GatewaySettings Settings => settings;

    public string PublicBase => (settings.PublicBaseUrl ?? _boundBase ?? new Uri($"http://127.0.0.1:{settings.ListenPort}")).ToString().TrimEnd('/');

    public void SetBoundAddress(string address)
    {
        var uri = new Uri(address);
        var host = uri.Host is "0.0.0.0" or "[::]" or "::" or "+" or "*" ? "127.0.0.1" : uri.Host;
        _boundBase = new UriBuilder(uri.Scheme, host, uri.Port).Uri;
    }

    /// <summary>The MCP path a request path belongs to (the messages path belongs to the SSE resource).</summary>
    public string ResourcePathFor(string requestPath) =>
        requestPath.StartsWith(settings.MessagesPath, StringComparison.Ordinal) ? settings.SsePath
        : requestPath.StartsWith(settings.SsePath, StringComparison.Ordinal) ? settings.SsePath
        : requestPath.StartsWith(settings.StreamableHttpPath, StringComparison.Ordinal) ? settings.StreamableHttpPath
        : settings.PrimaryPath;

    /// <summary>The scheme, host and port of <see cref="PublicBase"/>: what a browser sends as <c>Origin</c> from the gateway's own pages.</summary>
    public string PublicOrigin => new Uri(PublicBase).GetLeftPart(UriPartial.Authority);

    public string ResourceFor(string mcpPath) => settings.ResourceIdentifier ?? PublicBase + mcpPath;

    public string ResourceMetadataUrlFor(string mcpPath) => $"{PublicBase}/.well-known/oauth-protected-resource{mcpPath}";

    /// <summary>Audiences a token may carry: the resource identifier(s) of this gateway, and the configured audience.</summary>
    public IReadOnlySet<string> AcceptedAudiences()
    {
        var audiences = new HashSet<string>(StringComparer.Ordinal);
        if (settings.ResourceIdentifier is { } resource)
        {
            audiences.Add(resource);
        }
        else
        {
            audiences.Add(PublicBase + settings.StreamableHttpPath);
            audiences.Add(PublicBase + settings.SsePath);
        }

        if (settings.Audience is { } audience)
        {
            audiences.Add(audience);
        }

        return audiences;
    }
}
