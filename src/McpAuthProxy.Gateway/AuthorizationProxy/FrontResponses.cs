using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>The front's responses: OAuth JSON (never cached) and its HTML pages (no framing, no scripts, nothing cached).</summary>
internal static class FrontResponses
{
    public static Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted).AsTask();
    }

    /// <summary>An RFC 6749 section 5.2 error body.</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string error, string description) =>
        WriteJsonAsync(context, status, w =>
        {
            w.WriteString("error", error);
            w.WriteString("error_description", description);
        });

    public static void SecurePageHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        // same-origin, not no-referrer: under no-referrer browsers send "Origin: null" with the consent form's POST, which
        // the gateway's origin rule refuses; same-origin still sends no Referer to any other site (the provider, the client).
        headers["Referrer-Policy"] = "same-origin";
    }

    public static Task WritePageAsync(HttpContext context, int status, string title, string bodyHtml)
    {
        SecurePageHeaders(context);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        var html = new StringBuilder()
            .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(Html(title)).Append("</title><style>")
            .Append("body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;background:#f4f5f7;color:#1d2330;margin:0}")
            .Append("main{max-width:34rem;margin:3rem auto;background:#fff;border-radius:12px;padding:2rem 2.25rem;box-shadow:0 2px 12px #0002}")
            .Append("h1{font-size:1.35rem;margin:0 0 1rem}dl{margin:1.25rem 0}dt{font-weight:600;margin-top:.9rem;color:#4a5263;font-size:.85rem;text-transform:uppercase;letter-spacing:.03em}")
            .Append("dd{margin:.25rem 0 0}code{background:#eef0f4;padding:.1rem .35rem;border-radius:4px;word-break:break-all}ul{margin:.25rem 0;padding-left:1.2rem}")
            .Append(".note{background:#fff6e0;border:1px solid #f1d48a;border-radius:8px;padding:.75rem 1rem;font-size:.9rem}.tag{color:#8a5a00;font-size:.85rem}")
            .Append(".actions{display:flex;gap:.75rem;justify-content:flex-end;margin-top:1.5rem}button{font-size:1rem;padding:.6rem 1.3rem;border-radius:8px;border:1px solid #c5cad3;background:#fff;cursor:pointer}")
            .Append("button.allow{background:#2451d6;border-color:#2451d6;color:#fff}")
            .Append("</style></head><body><main>").Append(bodyHtml).Append("</main></body></html>");
        return context.Response.WriteAsync(html.ToString(), context.RequestAborted);
    }

    public static Task WriteErrorPageAsync(HttpContext context, int status, string title, string message) =>
        WritePageAsync(context, status, title, $"<h1>{Html(title)}</h1><p>{Html(message)}</p>");

    public static string Html(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static void WriteArray(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    /// <summary>The front's requests are small forms and JSON; the gateway has no global body limit (MCP bodies are checked elsewhere).</summary>
    public static void LimitBody(HttpContext context, long bytes)
    {
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = bytes;
        }
    }
}
