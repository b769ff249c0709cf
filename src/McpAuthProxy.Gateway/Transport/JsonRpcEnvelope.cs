using System.Text.Json;

namespace McpAuthProxy.Gateway.Transport;

/// <summary>What the gateway reads of one JSON-RPC message: just enough to decide, never the whole payload.</summary>
internal sealed record JsonRpcEnvelope(string? Method, string? Name, JsonElement? Id, bool IsResponse)
{
    public bool IsRequest => Method is not null && Id is not null;
}

/// <summary>A request body read as JSON-RPC: one message or a batch. <see cref="Error"/> is set when it is neither.</summary>
internal sealed record JsonRpcBody(IReadOnlyList<JsonRpcEnvelope> Messages, bool IsBatch, string? Error)
{
    public static readonly JsonRpcBody Empty = new([], false, null);

    /// <summary>The id of the first request, for error bodies; null for notifications and batches of them.</summary>
    public JsonElement? FirstId => Messages.FirstOrDefault(m => m.Id is not null)?.Id;

    public static JsonRpcBody Parse(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return new JsonRpcBody([], false, "the body is empty");
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                var messages = new List<JsonRpcEnvelope>();
                foreach (var item in root.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object)
                    {
                        return new JsonRpcBody([], true, "a batch item is not a JSON-RPC object");
                    }

                    messages.Add(Read(item));
                }

                return messages.Count == 0 ? new JsonRpcBody([], true, "the batch is empty") : new JsonRpcBody(messages, true, null);
            }

            return root.ValueKind == JsonValueKind.Object
                ? new JsonRpcBody([Read(root)], false, null)
                : new JsonRpcBody([], false, "the body is not a JSON-RPC object");
        }
        catch (JsonException)
        {
            return new JsonRpcBody([], false, "the body is not JSON");
        }
    }

    private static JsonRpcEnvelope Read(JsonElement message)
    {
        string? method = message.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        JsonElement? id = message.TryGetProperty("id", out var idElement) && idElement.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? idElement.Clone()
            : null;
        string? name = null;
        if (message.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
        {
            if (parameters.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
            {
                name = n.GetString();
            }
            else if (parameters.TryGetProperty("uri", out var u) && u.ValueKind == JsonValueKind.String)
            {
                name = u.GetString();
            }
        }

        var isResponse = method is null && (message.TryGetProperty("result", out _) || message.TryGetProperty("error", out _));
        return new JsonRpcEnvelope(method, name, id, isResponse);
    }
}
