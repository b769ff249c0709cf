using System.Text.Json;
using McpAuthProxy.Gateway.Authorization;

namespace McpAuthProxy.Gateway.Transport;

/// <summary>
/// What the gateway reads of one JSON-RPC message, from one parse: the method, and the one field the policy keys on
/// for it (<see cref="Name"/>: <c>params.name</c> of <c>tools/call</c> and <c>prompts/get</c>, <c>params.uri</c> of
/// <c>resources/read</c>, <c>resources/subscribe</c> and <c>resources/unsubscribe</c>), plus <see cref="Related"/>, a
/// second key whose rules also apply (the resource a subscription names, the prompt or resource a completion is for).
/// </summary>
internal sealed record JsonRpcEnvelope(string? Method, string? Name, JsonElement? Id, bool IsResponse, PolicyKey? Related = null)
{
    public bool IsRequest => Method is not null && Id is not null;
}

/// <summary>A method and the name (tool, prompt) or resource URI its rules are looked up by.</summary>
internal sealed record PolicyKey(string Method, string? Name);

/// <summary>
/// A request body read as JSON-RPC: one message or a batch. <see cref="Error"/> is set when the gateway will not forward
/// it, saying why; <see cref="ErrorCode"/> is the JSON-RPC code for that answer.
/// </summary>
internal sealed record JsonRpcBody(IReadOnlyList<JsonRpcEnvelope> Messages, bool IsBatch, string? Error, int ErrorCode = Metadata.McpErrors.InvalidRequest)
{
    public static readonly JsonRpcBody Empty = new([], false, null);

    /// <summary>Methods whose <c>params.uri</c> names a resource.</summary>
    public static bool IsResourceMethod(string? method) => method is "resources/read" or "resources/subscribe" or "resources/unsubscribe";

    /// <summary>Methods whose <c>params.name</c> names a tool or prompt.</summary>
    public static bool IsNamedMethod(string? method) => method is "tools/call" or "prompts/get";

    /// <summary>The id of the first request, for error bodies; null for notifications and batches of them.</summary>
    public JsonElement? FirstId => Messages.FirstOrDefault(m => m.Id is not null)?.Id;

    public static JsonRpcBody Parse(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return Refuse("the body is empty");
        }

        if (StrictJson.Check(body.Span) is { } problem)
        {
            return Refuse(problem, problem == "the body is not JSON" ? Metadata.McpErrors.ParseError : Metadata.McpErrors.InvalidRequest);
        }

        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Array)
        {
            var messages = new List<JsonRpcEnvelope>();
            var index = 0;
            foreach (var item in root.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    return Refuse($"batch item {index} is not a JSON-RPC object", isBatch: true);
                }

                var (message, error, code) = Read(item);
                if (error is not null)
                {
                    return Refuse($"batch item {index}: {error}", code, isBatch: true);
                }

                messages.Add(message!);
                index++;
            }

            return messages.Count == 0 ? Refuse("the batch is empty", isBatch: true) : new JsonRpcBody(messages, true, null);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return Refuse("the body is not a JSON-RPC object");
        }

        var (single, problemText, problemCode) = Read(root);
        return problemText is null ? new JsonRpcBody([single!], false, null) : Refuse(problemText, problemCode, id: IdOf(root));
    }

    private static JsonRpcBody Refuse(string error, int code = Metadata.McpErrors.InvalidRequest, bool isBatch = false, JsonElement? id = null) =>
        new(id is { } known ? [new JsonRpcEnvelope(null, null, known, false)] : [], isBatch, error, code);

    private static JsonElement? IdOf(JsonElement message) =>
        message.TryGetProperty("id", out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number ? id.Clone() : null;

    // Largest integer every JSON parser keeps exactly (JavaScript's Number.MAX_SAFE_INTEGER).
    private const long MaxSafeInteger = 9_007_199_254_740_991;

    private static (JsonRpcEnvelope? Message, string? Error, int Code) Read(JsonElement message)
    {
        const int invalidParams = -32602;
        if (DuplicateIgnoringCase(message) is { } duplicate)
        {
            return (null, $"the keys '{duplicate}' differ only in case", Metadata.McpErrors.InvalidRequest);
        }

        if (!message.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || !version.ValueEquals("2.0"))
        {
            return (null, "\"jsonrpc\" must be \"2.0\"", Metadata.McpErrors.InvalidRequest);
        }

        JsonElement? id = null;
        var hasResult = message.TryGetProperty("result", out _);
        var hasError = message.TryGetProperty("error", out _);
        if (message.TryGetProperty("id", out var idElement) && !(idElement.ValueKind == JsonValueKind.Null && hasError && !hasResult))
        {
            if (idElement.ValueKind == JsonValueKind.String
                || (idElement.ValueKind == JsonValueKind.Number && idElement.TryGetInt64(out var number) && Math.Abs(number) <= MaxSafeInteger))
            {
                id = idElement.Clone();
            }
            else
            {
                return (null, "\"id\" must be a string or an integer", Metadata.McpErrors.InvalidRequest);
            }
        }

        if (!message.TryGetProperty("method", out var methodElement))
        {
            // An error answer may carry a null id (the request it answers could not be read).
            if (hasResult == hasError || (id is null && !hasError))
            {
                return (null, "a message needs a \"method\", or an \"id\" and exactly one of \"result\" and \"error\"", Metadata.McpErrors.InvalidRequest);
            }

            return (new JsonRpcEnvelope(null, null, id, IsResponse: true), null, 0);
        }

        if (methodElement.ValueKind != JsonValueKind.String)
        {
            return (null, "\"method\" must be a string", Metadata.McpErrors.InvalidRequest);
        }

        if (hasResult || hasError)
        {
            return (null, "a message with a \"method\" cannot carry \"result\" or \"error\"", Metadata.McpErrors.InvalidRequest);
        }

        var method = methodElement.GetString()!;
        JsonElement parameters = default;
        if (message.TryGetProperty("params", out var p))
        {
            if (p.ValueKind != JsonValueKind.Object)
            {
                return (null, "\"params\" must be an object", invalidParams);
            }

            if (DuplicateIgnoringCase(p) is { } paramDuplicate)
            {
                return (null, $"the params keys '{paramDuplicate}' differ only in case", invalidParams);
            }

            parameters = p;
        }

        string? name = null;
        PolicyKey? related = null;
        if (IsNamedMethod(method))
        {
            if (StringParam(parameters, "name") is not { } toolName)
            {
                return (null, $"params.name of {method} must be a string", invalidParams);
            }

            if (NameProblem(toolName) is { } nameProblem)
            {
                return (null, $"params.name '{StrictJson.Printable(toolName)}' {nameProblem}", invalidParams);
            }

            name = toolName;
        }
        else if (IsResourceMethod(method))
        {
            if (StringParam(parameters, "uri") is not { } uri)
            {
                return (null, $"params.uri of {method} must be a string", invalidParams);
            }

            if (ResourceUri.Problem(uri) is { } uriProblem)
            {
                return (null, $"the resource URI '{StrictJson.Printable(uri)}' {uriProblem}", invalidParams);
            }

            name = uri;
            if (method != "resources/read")
            {
                related = new PolicyKey("resources/read", uri);
            }
        }
        else if (method == "completion/complete" && parameters.ValueKind == JsonValueKind.Object
            && parameters.TryGetProperty("ref", out var reference) && reference.ValueKind == JsonValueKind.Object)
        {
            // A completion for a prompt's or a resource template's arguments falls under that prompt's or resource's rules.
            related = StringParam(reference, "type") switch
            {
                "ref/prompt" when StringParam(reference, "name") is { } prompt => new PolicyKey("prompts/get", prompt),
                "ref/resource" when StringParam(reference, "uri") is { } template => new PolicyKey("resources/read", template),
                _ => null,
            };
        }

        return (new JsonRpcEnvelope(method, name, id, IsResponse: false, related), null, 0);
    }

    /// <summary>Null when a tool or prompt name has one reading; otherwise why not.</summary>
    private static string? NameProblem(string name)
    {
        if (name.Length == 0)
        {
            return "is empty";
        }

        if (char.IsWhiteSpace(name[0]) || char.IsWhiteSpace(name[^1]))
        {
            return "starts or ends with white space, which some servers trim";
        }

        foreach (var c in name)
        {
            if (char.IsControl(c) || c is '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF')
            {
                return "contains a control or invisible character";
            }
        }

        return null;
    }

    private static string? StringParam(JsonElement parameters, string key) =>
        parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>A pair of keys of one object that differ only in case (a server may read them as one), or null.</summary>
    private static string? DuplicateIgnoringCase(JsonElement element)
    {
        string? first = null;
        HashSet<string>? seen = null;
        foreach (var property in element.EnumerateObject())
        {
            if (first is null)
            {
                first = property.Name;
                continue;
            }

            seen ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase) { first };
            if (!seen.Add(property.Name))
            {
                return $"{seen.First(s => string.Equals(s, property.Name, StringComparison.OrdinalIgnoreCase))}' and '{property.Name}";
            }
        }

        return null;
    }
}
