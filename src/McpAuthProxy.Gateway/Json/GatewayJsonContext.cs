using System.Text.Json.Serialization;

namespace McpAuthProxy.Gateway.Json;

/// <summary>RFC 9728 protected resource metadata, as the gateway serves it.</summary>
internal sealed record ProtectedResourceDocument(
    [property: JsonPropertyName("resource")] string Resource,
    [property: JsonPropertyName("authorization_servers")] IReadOnlyList<string> AuthorizationServers,
    [property: JsonPropertyName("scopes_supported")] IReadOnlyList<string> ScopesSupported,
    [property: JsonPropertyName("bearer_methods_supported")] IReadOnlyList<string> BearerMethodsSupported,
    [property: JsonPropertyName("jwks_uri"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? JwksUri);

/// <summary>Source-generated JSON for everything the gateway writes itself (AOT-safe).</summary>
[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProtectedResourceDocument))]
[JsonSerializable(typeof(McpAuthProxy.Gateway.Audit.AuditRecord))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
