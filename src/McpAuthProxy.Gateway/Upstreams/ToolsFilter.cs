using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpAuthProxy.Gateway.Upstreams;

/// <summary>Removes from a <c>tools/list</c> result the tools the caller may not call, so it sees only what it may use.</summary>
internal static class ToolsFilter
{
    /// <summary>The filtered JSON, or null when nothing changed (or it is not a tools result).</summary>
    public static string? Filter(string json, McpCall call)
    {
        if (!json.Contains("\"tools\"", StringComparison.Ordinal))
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
                changed |= FilterMessage(item as JsonObject, call);
            }
        }
        else
        {
            changed = FilterMessage(node as JsonObject, call);
        }

        return changed ? node!.ToJsonString() : null;
    }

    private static bool FilterMessage(JsonObject? message, McpCall call)
    {
        if (message?["result"] is not JsonObject result || result["tools"] is not JsonArray tools)
        {
            return false;
        }

        var changed = false;
        for (var i = tools.Count - 1; i >= 0; i--)
        {
            var name = tools[i] is JsonObject tool && tool["name"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (name is not null && !call.Policy.MayCallTool(name, call.Granted))
            {
                tools.RemoveAt(i);
                changed = true;
            }
        }

        return changed;
    }
}
