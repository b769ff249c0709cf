using System.Text.Json;
using System.Text.Json.Serialization;

namespace McpAuthProxy.Gateway.Audit;

/// <summary>
/// One line of the audit log: who called what, what the gateway decided, how it ended. There is deliberately no member
/// that could hold a credential (no token, header, cookie or code): what is not in the record cannot be written.
/// Arguments and results are present only when the operator asked for them (<see cref="AuditOptions"/>).
/// </summary>
internal sealed record AuditRecord
{
    [JsonPropertyName("time")]
    public required DateTimeOffset Time { get; init; }

    /// <summary>The token's subject; null when there was no valid token.</summary>
    [JsonPropertyName("subject")]
    public string? Subject { get; init; }

    [JsonPropertyName("client_id")]
    public string? ClientId { get; init; }

    [JsonPropertyName("session")]
    public string? Session { get; init; }

    [JsonPropertyName("http_method")]
    public string? HttpMethod { get; init; }

    /// <summary>The JSON-RPC method; null for a GET stream, a DELETE, or a body that was not read.</summary>
    [JsonPropertyName("method")]
    public string? Method { get; init; }

    [JsonPropertyName("request_id")]
    public string? RequestId { get; init; }

    [JsonPropertyName("tool")]
    public string? Tool { get; init; }

    [JsonPropertyName("prompt")]
    public string? Prompt { get; init; }

    [JsonPropertyName("resource")]
    public string? Resource { get; init; }

    /// <summary><c>allowed</c> or <c>refused</c>; null when the request failed before a decision.</summary>
    [JsonPropertyName("decision")]
    public string? Decision { get; init; }

    /// <summary>Why it was refused (<c>RefusalReasons</c>).</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    /// <summary>The HTTP status of the answer.</summary>
    [JsonPropertyName("status")]
    public int Status { get; init; }

    /// <summary>The JSON-RPC error code of the answer, when it was an error.</summary>
    [JsonPropertyName("error_code")]
    public int? ErrorCode { get; init; }

    /// <summary>A low-cardinality class of a failure (<c>error.type</c>).</summary>
    [JsonPropertyName("error_type")]
    public string? ErrorType { get; init; }

    [JsonPropertyName("duration_ms")]
    public double DurationMs { get; init; }

    /// <summary>Where the request went: the upstream URL, or <c>stdio:COMMAND</c>.</summary>
    [JsonPropertyName("upstream")]
    public string? Upstream { get; init; }

    [JsonPropertyName("client_address")]
    public string? ClientAddress { get; init; }

    /// <summary>The trace id of the request's span, to find it in a trace viewer.</summary>
    [JsonPropertyName("trace_id")]
    public string? TraceId { get; init; }

    /// <summary><c>params.arguments</c> of a tool call or prompt; only with <c>audit.include_arguments</c>.</summary>
    [JsonPropertyName("arguments")]
    public JsonElement? Arguments { get; init; }

    /// <summary>The <c>result</c> of the answer; only with <c>audit.include_results</c>.</summary>
    [JsonPropertyName("result")]
    public JsonElement? Result { get; init; }
}
