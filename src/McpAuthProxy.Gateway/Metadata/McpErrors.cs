using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Gateway.Metadata;

/// <summary>JSON-RPC error bodies (carrying the request id) and RFC 6750 Bearer challenges.</summary>
internal static class McpErrors
{
    public const int Unauthorized = -32001;
    public const int Forbidden = -32003;
    public const int InvalidRequest = -32600;
    public const int ParseError = -32700;
    public const int InternalError = -32603;
    public const int HeaderMismatch = -32020;

    public static async Task WriteAsync(HttpContext context, int status, int code, string message, JsonElement? id)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WritePropertyName("id");
            if (id is { } value)
            {
                value.WriteTo(writer);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteStartObject("error");
            writer.WriteNumber("code", code);
            writer.WriteString("message", message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Builds <c>Bearer k="v", ...</c>; quotes and backslashes in values are escaped.</summary>
    public static string Bearer(params (string Name, string? Value)[] parameters)
    {
        var builder = new StringBuilder("Bearer ");
        var first = true;
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            if (!first)
            {
                builder.Append(", ");
            }

            first = false;
            builder.Append(name).Append("=\"").Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }

        return builder.ToString();
    }
}
