using System.Collections.Frozen;

namespace McpAuthProxy.Telemetry.Conventions;

/// <summary>
/// The MCP methods the conventions list, plus the ones newer protocol versions add. Metrics take a method through
/// <see cref="ForMetrics"/>, so a client that invents method names cannot grow the number of series.
/// </summary>
public static class McpMethods
{
    public const string Initialize = "initialize";
    public const string ToolsCall = "tools/call";
    public const string PromptsGet = "prompts/get";
    public const string ResourcesRead = "resources/read";
    public const string ResourcesSubscribe = "resources/subscribe";
    public const string ResourcesUnsubscribe = "resources/unsubscribe";
    public const string ResourcesUpdated = "notifications/resources/updated";

    private static readonly FrozenSet<string> Known = FrozenSet.Create(StringComparer.Ordinal,
    [
        "completion/complete", "elicitation/create", Initialize, "logging/setLevel", "notifications/cancelled",
        "notifications/initialized", "notifications/message", "notifications/progress",
        "notifications/prompts/list_changed", "notifications/resources/list_changed", ResourcesUpdated,
        "notifications/roots/list_changed", "notifications/tools/list_changed", "ping", PromptsGet, "prompts/list",
        "resources/list", ResourcesRead, ResourcesSubscribe, "resources/templates/list", ResourcesUnsubscribe,
        "roots/list", "sampling/createMessage", ToolsCall, "tools/list",
        // 2025-11-25 and 2026-07-28
        "notifications/elicitation/complete", "tasks/get", "tasks/result", "tasks/list", "tasks/cancel",
        "notifications/tasks/status", "server/discover",
    ]);

    private static readonly FrozenSet<string> KnownVersions = FrozenSet.Create(StringComparer.Ordinal,
        ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"]);

    /// <summary>The method as a metric attribute: itself when it is a known MCP method, else <c>_OTHER</c>.</summary>
    public static string ForMetrics(string? method) =>
        method is not null && Known.TryGetValue(method, out var known) ? known : McpAttributeValues.Other;

    /// <summary>A protocol version as a metric attribute: a released version, else <c>_OTHER</c>; null stays null.</summary>
    public static string? VersionForMetrics(string? version) =>
        version is null ? null : KnownVersions.TryGetValue(version, out var known) ? known : McpAttributeValues.Other;

    /// <summary>Whether <paramref name="method"/> names a resource in <c>params.uri</c> (<c>mcp.resource.uri</c>).</summary>
    public static bool TakesResourceUri(string? method) =>
        method is ResourcesRead or ResourcesSubscribe or ResourcesUnsubscribe or ResourcesUpdated;

    /// <summary>
    /// The span name the conventions give: <c>{mcp.method.name} {target}</c>, the target being the tool or the prompt
    /// (or, when <paramref name="resourceUriAsTarget"/>, the resource URI), else <c>{mcp.method.name}</c> alone.
    /// </summary>
    public static string SpanName(string method, string? name, bool resourceUriAsTarget = false)
    {
        var target = method switch
        {
            ToolsCall or PromptsGet => name,
            _ when resourceUriAsTarget && TakesResourceUri(method) => name,
            _ => null,
        };
        return string.IsNullOrEmpty(target) ? method : string.Concat(method, " ", target);
    }
}
