using System.Text.Json.Nodes;
using McpAuthProxy.Testing;

namespace McpAuthProxy.Tests.Infrastructure;

/// <summary>
/// Raw JSON-RPC with the bridge over its stdio, as a client of one protocol version: every line the bridge writes is
/// checked against the official schema of that version (answers against the result of the method they answer).
/// </summary>
public sealed class CheckedConversation(ChildProcess bridge, string version)
{
    private readonly Dictionary<string, string> _methods = new(StringComparer.Ordinal);

    public List<string> Problems { get; } = [];

    public List<JsonObject> Received { get; } = [];

    /// <summary>Sends a request and returns its answer, checking every line read on the way.</summary>
    public async Task<JsonObject> CallAsync(object id, string method, JsonObject? parameters, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = JsonValue.Create(id), ["method"] = method };
        if (parameters is not null)
        {
            request["params"] = parameters;
        }

        _methods[request["id"]!.ToJsonString()] = method;
        await bridge.WriteLineAsync(request.ToJsonString());
        foreach (var line in await Rpc.ReadUntilAnswerAsync(bridge, id, cancellationToken))
        {
            Received.Add(line);
            var answered = line["method"] is null && line["id"] is { } lineId ? _methods.GetValueOrDefault(lineId.ToJsonString()) : null;
            foreach (var problem in SpecSchemas.Problems(version, line, answered))
            {
                Problems.Add($"{line.ToJsonString()}: {problem}");
            }
        }

        return Received[^1];
    }

    public Task NotifyAsync(string method, JsonObject? parameters = null)
    {
        var notification = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method };
        if (parameters is not null)
        {
            notification["params"] = parameters;
        }

        return bridge.WriteLineAsync(notification.ToJsonString());
    }
}
