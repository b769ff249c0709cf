using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace McpAuthProxy.Testing;

/// <summary>
/// The official MCP JSON schemas, one per protocol version (the specification's schema.json, as the conformance suite
/// ships them; tests/e2e/spec-schemas.mjs reads them out of its bundle), and a check of a JSON-RPC message against the
/// schema of the version agreed on the side that reads it.
/// </summary>
public static class SpecSchemas
{
    private static readonly Lazy<JsonObject> All = new(Load);
    private static readonly ConcurrentDictionary<(string Version, string Definition), JsonSchema> Compiled = new();

    /// <summary>The result definition of each request method whose answer the bridge may write or change.</summary>
    private static readonly Dictionary<string, string> ResultOf = new(StringComparer.Ordinal)
    {
        ["initialize"] = "InitializeResult",
        ["server/discover"] = "DiscoverResult",
        ["ping"] = "EmptyResult",
        ["logging/setLevel"] = "EmptyResult",
        ["tools/list"] = "ListToolsResult",
        ["tools/call"] = "CallToolResult",
        ["prompts/list"] = "ListPromptsResult",
        ["prompts/get"] = "GetPromptResult",
        ["resources/list"] = "ListResourcesResult",
        ["resources/templates/list"] = "ListResourceTemplatesResult",
        ["resources/read"] = "ReadResourceResult",
        ["completion/complete"] = "CompleteResult",
    };

    public static IReadOnlyCollection<string> Versions => All.Value.Select(p => p.Key).ToArray();

    /// <summary>
    /// What is wrong with <paramref name="message"/> (a JSON-RPC message) under <paramref name="version"/>'s schema; empty
    /// when it is valid. A request or notification is checked against its method's definition; an answer against the
    /// result definition of <paramref name="answeredMethod"/>, the method of the request it answers.
    /// </summary>
    public static IReadOnlyList<string> Problems(string version, JsonNode message, string? answeredMethod = null)
    {
        var problems = new List<string>(Check(version, "JSONRPCMessage", message));
        if (message is not JsonObject envelope)
        {
            return problems;
        }

        if (envelope["method"] is JsonValue method && DefinitionOfMethod(version, (string)method!) is { } definition)
        {
            problems.AddRange(Check(version, definition, envelope));
        }
        else if (envelope["result"] is { } result && answeredMethod is not null && ResultOf.TryGetValue(answeredMethod, out var resultDefinition))
        {
            problems.AddRange(Check(version, resultDefinition, result));
        }
        else if (envelope["error"] is { } error)
        {
            problems.AddRange(Check(version, "Error", error));
        }

        return problems;
    }

    /// <summary>What is wrong with <paramref name="instance"/> as the schema's <paramref name="definition"/>; empty when valid.</summary>
    public static IReadOnlyList<string> Check(string version, string definition, JsonNode? instance)
    {
        var schema = Compiled.GetOrAdd((version, definition), Compile);
        using var document = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
        var results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        var problems = new List<string>();
        Collect(results, definition, problems);
        return problems.Count > 0 ? problems : [$"{definition}: invalid"];
    }

    /// <summary>The request or notification definition whose <c>method</c> is the constant <paramref name="method"/>.</summary>
    public static string? DefinitionOfMethod(string version, string method)
    {
        foreach (var (name, node) in Definitions(version))
        {
            if (node?["properties"]?["method"]?["const"] is JsonValue constant && (string?)constant == method)
            {
                return name;
            }
        }

        return null;
    }

    private static void Collect(EvaluationResults results, string definition, List<string> problems)
    {
        if (results.Errors is { Count: > 0 } errors)
        {
            foreach (var (keyword, error) in errors)
            {
                problems.Add($"{definition} at '{results.InstanceLocation}' ({results.EvaluationPath}, {keyword}): {error}");
            }
        }

        foreach (var detail in results.Details ?? [])
        {
            Collect(detail, definition, problems);
        }
    }

    private static IEnumerable<KeyValuePair<string, JsonNode?>> Definitions(string version)
    {
        var root = All.Value[version] as JsonObject ?? throw new ArgumentException($"No schema for protocol version {version}.", nameof(version));
        return (root["$defs"] ?? root["definitions"]) as JsonObject ?? throw new InvalidOperationException("schema without definitions");
    }

    private static JsonSchema Compile((string Version, string Definition) key)
    {
        var root = (JsonObject)All.Value[key.Version]!.DeepClone();
        var section = root.ContainsKey("$defs") ? "$defs" : "definitions";
        if (root[section]?[key.Definition] is null)
        {
            throw new ArgumentException($"The {key.Version} schema has no definition {key.Definition}.");
        }

        // The specification's documents hold only definitions: point the root at the one to check.
        root["$ref"] = $"#/{section}/{key.Definition}";
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        return JsonSchema.FromText(root.ToJsonString(), options, new Uri($"https://schemas.mcp-auth-proxy.test/{key.Version}/{key.Definition}.json"));
    }

    private static JsonObject Load()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mcp-spec-schemas-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(RepoPaths.Node)
            {
                ArgumentList = { Path.Combine(RepoPaths.E2E, "spec-schemas.mjs"), file },
                WorkingDirectory = RepoPaths.E2E,
                RedirectStandardError = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("node did not start");
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"tests/e2e/spec-schemas.mjs failed (exit {process.ExitCode}); run npm ci --prefix tests/e2e. {errors}");
            }

            return (JsonObject)JsonNode.Parse(File.ReadAllText(file))!;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
