using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpAuthProxy.Tests.Infrastructure;

/// <summary>Raw JSON-RPC lines for tests that speak to the bridge's stdio directly.</summary>
public static class Rpc
{
    public static string Initialize(object id, string version = "2025-06-18") =>
        new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = JsonValue.Create(id),
            ["method"] = "initialize",
            ["params"] = new JsonObject
            {
                ["protocolVersion"] = version,
                ["capabilities"] = new JsonObject(),
                ["clientInfo"] = new JsonObject { ["name"] = "raw-test", ["version"] = "1" },
            },
        }.ToJsonString();

    public const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";

    public static string Call(object id, string tool, JsonObject? arguments = null, string? progressToken = null)
    {
        var @params = new JsonObject { ["name"] = tool, ["arguments"] = arguments ?? new JsonObject() };
        if (progressToken is not null)
        {
            @params["_meta"] = new JsonObject { ["progressToken"] = progressToken };
        }

        return new JsonObject { ["jsonrpc"] = "2.0", ["id"] = JsonValue.Create(id), ["method"] = "tools/call", ["params"] = @params }.ToJsonString();
    }

    /// <summary>Parses a stdout line, failing the test unless it is one JSON-RPC 2.0 message.</summary>
    public static JsonObject Parse(string line)
    {
        var node = JsonNode.Parse(line) as JsonObject ?? throw new Xunit.Sdk.XunitException("stdout line is not a JSON object: " + line);
        Assert.Equal("2.0", (string?)node["jsonrpc"]);
        return node;
    }

    /// <summary>Reads stdout lines until the answer to <paramref name="id"/>, returning every line read.</summary>
    public static async Task<List<JsonObject>> ReadUntilAnswerAsync(Testing.ChildProcess process, object id, CancellationToken cancellationToken)
    {
        var lines = new List<JsonObject>();
        var wanted = JsonSerializer.Serialize(id);
        while (true)
        {
            var message = Parse(await process.ReadStdoutLineAsync(cancellationToken));
            lines.Add(message);
            if (message["id"]?.ToJsonString() == wanted && (message.ContainsKey("result") || message.ContainsKey("error")))
            {
                return lines;
            }
        }
    }
}
