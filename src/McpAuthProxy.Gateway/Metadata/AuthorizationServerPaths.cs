using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpAuthProxy.Gateway.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.Metadata;

/// <summary>
/// open-mcp-auth-proxy's default-mode authorization paths, for 2025-03-26 clients that use the gateway's own
/// <c>/authorize</c>, <c>/token</c> and <c>/register</c>: each goes to <c>default.base_url</c> plus its
/// <c>path_mapping</c>, with <c>addQueryParams</c> (set on the authorize redirect) and <c>addBodyParams</c> (set in form
/// or JSON bodies). Only the OAuth exchange passes here; MCP tokens are never involved.
/// </summary>
internal sealed partial class AuthorizationServerPaths(GatewaySettings settings, ILogger<AuthorizationServerPaths> logger) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
    {
        Timeout = TimeSpan.FromSeconds(30),
        MaxResponseContentBufferSize = 1 << 20,
    };

    private string Target(string path) =>
        settings.Config.Default.BaseUrl!.TrimEnd('/') + (settings.Config.PathMapping.TryGetValue(path, out var mapped) ? mapped : path);

    public Task AuthorizeAsync(HttpContext context)
    {
        var query = QueryHelpers.ParseQuery(context.Request.QueryString.Value);
        var parameters = query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        foreach (var (name, value) in settings.Config.Default.AuthorizeQueryParams)
        {
            parameters[name] = value;
        }

        context.Response.Redirect(QueryHelpers.AddQueryString(Target("/authorize"), parameters!));
        return Task.CompletedTask;
    }

    public Task TokenAsync(HttpContext context) => ForwardAsync(context, "/token", settings.Config.Default.TokenBodyParams);

    public Task RegisterAsync(HttpContext context) => ForwardAsync(context, "/register", settings.Config.Default.RegisterBodyParams);

    private async Task ForwardAsync(HttpContext context, string path, IReadOnlyList<KeyValuePair<string, string>> bodyParams)
    {
        var contentType = context.Request.ContentType ?? "";
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        if (bodyParams.Count > 0 && contentType.Contains("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            var form = QueryHelpers.ParseQuery(body).ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
            foreach (var (name, value) in bodyParams)
            {
                form[name] = value;
            }

            body = string.Join('&', form.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"));
        }
        else if (bodyParams.Count > 0 && contentType.Contains("application/json", StringComparison.OrdinalIgnoreCase) && JsonNode.Parse(body) is JsonObject json)
        {
            foreach (var (name, value) in bodyParams)
            {
                json[name] = value;
            }

            body = json.ToJsonString();
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, Target(path)) { Content = new StringContent(body, Encoding.UTF8) };
        if (MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            request.Content.Headers.ContentType = mediaType;
        }

        if (context.Request.Headers.Authorization.Count > 0)
        {
            // The client's credentials at the authorization server (e.g. client_secret_basic), not an MCP token.
            request.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers.Authorization.ToString());
        }

        request.Headers.Accept.ParseAdd("application/json");
        var target = Target(path);
        try
        {
            using var response = await _http.SendAsync(request, context.RequestAborted).ConfigureAwait(false);
            var answer = await response.Content.ReadAsByteArrayAsync(context.RequestAborted).ConfigureAwait(false);
            if ((int)response.StatusCode is 502 or 503 or 504)
            {
                LogAuthorizationServerUnreachable(path, target, $"HTTP {(int)response.StatusCode}");
                await WriteOAuthErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable", "The identity provider is unavailable; try again shortly.").ConfigureAwait(false);
                return;
            }

            if (!IsJsonObject(answer))
            {
                // An HTML error page, an empty body, a proxy's garbage: nothing an OAuth client can show.
                LogAuthorizationServerUnreachable(path, target, $"HTTP {(int)response.StatusCode} with a body that is not a JSON object ({answer.Length} bytes)");
                await WriteOAuthErrorAsync(context, StatusCodes.Status502BadGateway, "server_error", "The identity provider gave an answer the gateway could not use.").ConfigureAwait(false);
                return;
            }

            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.Body.WriteAsync(answer, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            LogAuthorizationServerUnreachable(path, target, ex is TaskCanceledException ? $"no answer within {_http.Timeout.TotalSeconds:0} s" : ex.Message);
            await WriteOAuthErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable", "The identity provider could not be reached; try again shortly.").ConfigureAwait(false);
        }
    }

    private static bool IsJsonObject(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static Task WriteOAuthErrorAsync(HttpContext context, int status, string error, string description) =>
        AuthorizationProxy.FrontResponses.WriteErrorAsync(context, status, error, description);

    public void Dispose() => _http.Dispose();

    [LoggerMessage(Diagnostics.EventIds.AuthorizationServerUnreachable, LogLevel.Warning, "Forwarding {Path} to the identity provider {Url} failed: {Reason}")]
    private partial void LogAuthorizationServerUnreachable(string path, string url, string reason);
}
