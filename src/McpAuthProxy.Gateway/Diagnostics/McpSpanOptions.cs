namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>How MCP spans are named.</summary>
internal sealed record McpSpanOptions
{
    /// <summary>
    /// <c>telemetry.resource_uri_in_span_name</c>: name <c>resources/read</c> spans by their URI as well (the conventions'
    /// opt-in; URIs can be many, so span names by default carry only tools and prompts).
    /// </summary>
    public bool ResourceUriAsSpanTarget { get; init; }
}
