using System.Text.Json;
using McpAuthProxy.Gateway.Authentication;
using McpAuthProxy.Gateway.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.Metadata;

/// <summary>
/// RFC 9728 protected resource metadata (root, and path-inserted for each MCP path), and for 2025-03-26 clients the
/// issuer's RFC 8414 metadata mirrored at <c>/.well-known/oauth-authorization-server</c>.
/// </summary>
internal sealed partial class MetadataEndpoints(GatewayEndpoints endpoints, ILogger<MetadataEndpoints> logger) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10), MaxResponseContentBufferSize = 1 << 20 };
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Json, DateTimeOffset Until)? _cachedAs;

    public Task WriteProtectedResourceAsync(HttpContext context, string mcpPath)
    {
        var settings = endpoints.Settings;
        var document = new ProtectedResourceDocument(
            endpoints.ResourceFor(mcpPath),
            settings.Front is null ? settings.AuthorizationServers : [endpoints.PublicBase],
            settings.Scopes.AllScopes(),
            ["header"],
            settings.JwksUri);
        context.Response.Headers.CacheControl = "public, max-age=300";
        return Results.Json(document, GatewayJsonContext.Default.ProtectedResourceDocument).ExecuteAsync(context);
    }

    public async Task WriteAuthorizationServerAsync(HttpContext context)
    {
        var json = endpoints.Settings.Config.Default.AuthorizationServerResponse is { } configured
            ? Synthesize(WithGatewayEndpoints(configured))
            : PointAtGateway(await FetchIssuerMetadataAsync(context.RequestAborted).ConfigureAwait(false));
        if (json is null)
        {
            await McpErrors.WriteAsync(context, StatusCodes.Status502BadGateway, McpErrors.InternalError,
                "The authorization server's metadata could not be fetched", null).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "public, max-age=300";
        await context.Response.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task<string?> FetchIssuerMetadataAsync(CancellationToken cancellationToken)
    {
        if (_cachedAs is { } cached && cached.Until > DateTimeOffset.UtcNow)
        {
            return cached.Json;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cachedAs is { } again && again.Until > DateTimeOffset.UtcNow)
            {
                return again.Json;
            }

            var issuer = endpoints.Settings.Issuer;
            foreach (var url in IssuerConfigurationRetriever.DiscoveryUrls(issuer, oauthFirst: true))
            {
                try
                {
                    using var response = await _http.GetAsync(url, cancellationToken).ConfigureAwait(false);
                    if (!response.IsSuccessStatusCode)
                    {
                        continue;
                    }

                    var json = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                    using var document = JsonDocument.Parse(json);
                    if (document.RootElement.TryGetProperty("issuer", out var value) && value.GetString() == issuer)
                    {
                        _cachedAs = (json, DateTimeOffset.UtcNow.AddMinutes(10));
                        return json;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException)
                {
                    LogIssuerMetadataFailed(url, ex.Message);
                }
            }

            return _cachedAs?.Json;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The issuer's own metadata, with the endpoints the gateway fronts (open-mcp-auth-proxy's default mode) pointing at the
    /// gateway, so that clients which read it go through the gateway's <c>path_mapping</c> and added parameters.
    /// </summary>
    private string? PointAtGateway(string? json)
    {
        var settings = endpoints.Settings;
        if (json is null || !(settings.ProxiesAuthorizationPaths || settings.RegistersAtAsgardeo)
            || System.Text.Json.Nodes.JsonNode.Parse(json) is not System.Text.Json.Nodes.JsonObject document)
        {
            return json;
        }

        if (settings.ProxiesAuthorizationPaths)
        {
            document["authorization_endpoint"] = endpoints.PublicBase + "/authorize";
            document["token_endpoint"] = endpoints.PublicBase + "/token";
        }

        // In Asgardeo mode only registration is the gateway's: clients sign in at Asgardeo with the application created for them.
        document["registration_endpoint"] = endpoints.PublicBase + "/register";
        return document.ToJsonString();
    }

    /// <summary>As open-mcp-auth-proxy did: endpoints left out of the configured document are the gateway's own.</summary>
    private Dictionary<string, object?> WithGatewayEndpoints(IReadOnlyDictionary<string, object?> configured)
    {
        var document = configured.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        if (endpoints.Settings.ProxiesAuthorizationPaths)
        {
            foreach (var (field, path) in new[] { ("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"), ("registration_endpoint", "/register") })
            {
                if (document.GetValueOrDefault(field) is not string { Length: > 0 })
                {
                    document[field] = endpoints.PublicBase + path;
                }
            }
        }

        return document;
    }

    private static string Synthesize(IReadOnlyDictionary<string, object?> configured)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteValue(writer, configured);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case IReadOnlyDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    WriteValue(writer, item);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable<object?> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }

    [LoggerMessage(Diagnostics.EventIds.IssuerMetadataFailed, LogLevel.Warning, "Fetching issuer metadata from {Url} failed: {Reason}")]
    private partial void LogIssuerMetadataFailed(string url, string reason);
}
