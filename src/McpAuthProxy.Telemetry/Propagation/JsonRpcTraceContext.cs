using System.Buffers;
using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpAuthProxy.Telemetry.Propagation;

/// <summary>
/// Trace context inside an MCP message, as the MCP conventions say: <c>params._meta.traceparent</c> and
/// <c>params._meta.tracestate</c>. Stdio has no headers, so this is the only way a context reaches a stdio server; over
/// HTTP it is the context an MCP server uses as its span's parent.
/// </summary>
public static class JsonRpcTraceContext
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    /// <summary>The context in a message's <c>params._meta</c>, or false when it has none or it is malformed.</summary>
    public static bool TryExtract(JsonElement message, out ActivityContext context)
    {
        context = default;
        return message.ValueKind == JsonValueKind.Object
            && message.TryGetProperty("params"u8, out var parameters)
            && TryExtractFromParams(parameters, out context);
    }

    /// <summary>The context in <c>_meta</c> of a message's <c>params</c> object.</summary>
    public static bool TryExtractFromParams(JsonElement parameters, out ActivityContext context)
    {
        context = default;
        if (parameters.ValueKind != JsonValueKind.Object
            || !parameters.TryGetProperty("_meta"u8, out var meta) || meta.ValueKind != JsonValueKind.Object
            || !meta.TryGetProperty("traceparent"u8, out var parent) || parent.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        var state = meta.TryGetProperty("tracestate"u8, out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        return W3CTraceContext.TryParse(parent.GetString(), state, out context);
    }

    /// <summary>The context in <c>_meta</c> of a message's params as a JsonNode (how the MCP SDK holds them).</summary>
    public static bool TryExtractFromParams(JsonNode? parameters, out ActivityContext context)
    {
        context = default;
        if (parameters is not JsonObject p || p["_meta"] is not JsonObject meta
            || meta["traceparent"] is not JsonValue parent || !parent.TryGetValue<string>(out var traceParent))
        {
            return false;
        }

        var traceState = meta["tracestate"] is JsonValue state && state.TryGetValue<string>(out var s) ? s : null;
        return W3CTraceContext.TryParse(traceParent, traceState, out context);
    }

    /// <summary>
    /// <paramref name="parameters"/> with <paramref name="context"/> in <c>_meta</c> (a new object when null; a
    /// non-object <c>_meta</c> is replaced). Non-object params (positional) cannot carry it and come back as they were.
    /// The node is changed in place: pass a clone when it is shared.
    /// </summary>
    public static JsonNode? InjectIntoParams(JsonNode? parameters, in ActivityContext context)
    {
        if (parameters is not null and not JsonObject)
        {
            return parameters;
        }

        var p = parameters as JsonObject ?? [];
        if (p["_meta"] is not JsonObject meta)
        {
            meta = [];
            p["_meta"] = meta;
        }

        meta["traceparent"] = W3CTraceContext.Format(context);
        if (string.IsNullOrEmpty(context.TraceState))
        {
            meta.Remove("tracestate");
        }
        else
        {
            meta["tracestate"] = context.TraceState;
        }

        return p;
    }

    /// <summary>
    /// <paramref name="message"/> (one JSON-RPC message, or a batch) with <paramref name="context"/> in
    /// <c>params._meta</c> of every request and notification: an existing <c>traceparent</c> and <c>tracestate</c> are
    /// replaced (every copy, when a key is repeated), every other member is kept byte for byte, and <c>params</c> or
    /// <c>_meta</c> is added when missing. Responses, and bodies that are not JSON, come back unchanged.
    /// </summary>
    public static byte[] Inject(ReadOnlySpan<byte> message, in ActivityContext context)
    {
        var traceParent = W3CTraceContext.Format(context);
        var traceState = string.IsNullOrEmpty(context.TraceState) ? null : context.TraceState;
        var output = new ArrayBufferWriter<byte>(message.Length + 128);
        try
        {
            var reader = new Utf8JsonReader(message, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            using (var writer = new Utf8JsonWriter(output, WriterOptions))
            {
                if (!reader.Read())
                {
                    return message.ToArray();
                }

                var rewriter = new Rewriter(message, traceParent, traceState);
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        rewriter.Message(ref reader, writer);
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            if (reader.TokenType == JsonTokenType.StartObject)
                            {
                                rewriter.Message(ref reader, writer);
                            }
                            else
                            {
                                rewriter.Copy(ref reader, writer);
                            }
                        }

                        writer.WriteEndArray();
                        break;
                    default:
                        return message.ToArray();
                }
            }

            return output.WrittenSpan.ToArray();
        }
        catch (JsonException)
        {
            return message.ToArray();
        }
    }

    private readonly ref struct Rewriter(ReadOnlySpan<byte> source, string traceParent, string? traceState)
    {
        private readonly ReadOnlySpan<byte> _source = source;

        /// <summary>A message object: <c>params</c> gets the context; a request or notification without params gets one.</summary>
        public void Message(ref Utf8JsonReader reader, Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            var hasMethod = false;
            var hasParams = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isParams = reader.ValueTextEquals("params"u8);
                hasMethod |= reader.ValueTextEquals("method"u8);
                PropertyName(ref reader, writer);
                reader.Read();
                if (isParams)
                {
                    hasParams = true;
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        Params(ref reader, writer);
                        continue;
                    }
                }

                Copy(ref reader, writer);
            }

            if (hasMethod && !hasParams)
            {
                writer.WritePropertyName("params"u8);
                writer.WriteStartObject();
                Meta(writer);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        private void Params(ref Utf8JsonReader reader, Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            var hasMeta = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("_meta"u8))
                {
                    hasMeta = true;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        writer.WritePropertyName("_meta"u8);
                        MetaMembers(ref reader, writer);
                    }
                    else
                    {
                        // Not an object: replaced by one, so that no reader of the message sees two _meta keys.
                        reader.Skip();
                        Meta(writer);
                    }

                    continue;
                }

                PropertyName(ref reader, writer);
                reader.Read();
                Copy(ref reader, writer);
            }

            if (!hasMeta)
            {
                Meta(writer);
            }

            writer.WriteEndObject();
        }

        /// <summary>An existing <c>_meta</c> object: every member but the trace context kept, ours added at the end.</summary>
        private void MetaMembers(ref Utf8JsonReader reader, Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("traceparent"u8) || reader.ValueTextEquals("tracestate"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                PropertyName(ref reader, writer);
                reader.Read();
                Copy(ref reader, writer);
            }

            TraceMembers(writer);
            writer.WriteEndObject();
        }

        private void Meta(Utf8JsonWriter writer)
        {
            writer.WritePropertyName("_meta"u8);
            writer.WriteStartObject();
            TraceMembers(writer);
            writer.WriteEndObject();
        }

        private void TraceMembers(Utf8JsonWriter writer)
        {
            writer.WriteString("traceparent"u8, traceParent);
            if (traceState is not null)
            {
                writer.WriteString("tracestate"u8, traceState);
            }
        }

        private static void PropertyName(ref Utf8JsonReader reader, Utf8JsonWriter writer)
        {
            if (reader.ValueIsEscaped)
            {
                writer.WritePropertyName(reader.GetString()!);
            }
            else
            {
                writer.WritePropertyName(reader.ValueSpan);
            }
        }

        /// <summary>Copies the value the reader is on, strings and numbers byte for byte.</summary>
        public void Copy(ref Utf8JsonReader reader, Utf8JsonWriter writer)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    writer.WriteStartObject();
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        PropertyName(ref reader, writer);
                        reader.Read();
                        Copy(ref reader, writer);
                    }

                    writer.WriteEndObject();
                    break;
                case JsonTokenType.StartArray:
                    writer.WriteStartArray();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        Copy(ref reader, writer);
                    }

                    writer.WriteEndArray();
                    break;
                case JsonTokenType.String:
                    // The token with its quotes, escapes as they were.
                    writer.WriteRawValue(_source.Slice((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2), skipInputValidation: true);
                    break;
                default:
                    writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                    break;
            }
        }
    }
}
