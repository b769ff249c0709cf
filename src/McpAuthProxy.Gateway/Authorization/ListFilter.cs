using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpAuthProxy.Gateway.Authorization;

/// <summary>
/// With <c>hide_unauthorized</c> (the default): removes from list answers what the caller may not use, so that it sees
/// only that: <c>tools</c> it may not call, <c>prompts</c> it may not get, <c>resources</c> it may not read, and
/// <c>resourceTemplates</c> that expand to a resource it may not read. Works on any answer that carries such a list,
/// wherever it arrives (a POST's answer, a GET stream, a replay after <c>Last-Event-ID</c>).
/// </summary>
internal static class ListFilter
{
    /// <summary>Methods whose answers carry a list this filter shortens.</summary>
    public static bool IsListMethod(string? method) => method is "tools/list" or "prompts/list" or "resources/list" or "resources/templates/list";

    /// <summary>The filtered JSON of a message or batch, or null when nothing changed (or it carries no list).</summary>
    public static string? Filter(string json, ScopePolicy policy, IReadOnlySet<string> granted)
    {
        if (!json.Contains("\"tools\"", StringComparison.Ordinal) && !json.Contains("\"prompts\"", StringComparison.Ordinal)
            && !json.Contains("\"resources\"", StringComparison.Ordinal) && !json.Contains("\"resourceTemplates\"", StringComparison.Ordinal))
        {
            return null;
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }

        var changed = false;
        if (node is JsonArray batch)
        {
            foreach (var item in batch)
            {
                changed |= item is JsonObject { } message && message["result"] is JsonObject result && FilterResult(result, policy, granted);
            }
        }
        else if (node is JsonObject { } message && message["result"] is JsonObject result)
        {
            changed = FilterResult(result, policy, granted);
        }

        return changed ? node!.ToJsonString() : null;
    }

    /// <summary>Removes what the caller may not use from a list result; true when something was removed.</summary>
    public static bool FilterResult(JsonObject result, ScopePolicy policy, IReadOnlySet<string> granted) =>
        Remove(result, "tools", "name", name => !policy.May("tools/call", name, granted))
        | Remove(result, "prompts", "name", name => !policy.May("prompts/get", name, granted))
        | Remove(result, "resources", "uri", uri => !policy.May("resources/read", uri, granted))
        | Remove(result, "resourceTemplates", "uriTemplate", template => policy.TemplateReachesForbidden(template, granted));

    private static bool Remove(JsonObject result, string list, string key, Func<string, bool> forbidden)
    {
        if (result[list] is not JsonArray items)
        {
            return false;
        }

        var changed = false;
        for (var i = items.Count - 1; i >= 0; i--)
        {
            if (items[i] is JsonObject item && item[key] is JsonValue value && value.TryGetValue<string>(out var text) && forbidden(text))
            {
                items.RemoveAt(i);
                changed = true;
            }
        }

        return changed;
    }
}
