using System.Text.Json.Serialization;

namespace McpAuthProxy.OAuth.Registration;

/// <summary>An RFC 7591 registration request.</summary>
internal sealed record ClientRegistrationRequest
{
    [JsonPropertyName("client_name")] public string? ClientName { get; init; }
    [JsonPropertyName("redirect_uris")] public IReadOnlyList<string>? RedirectUris { get; init; }
    [JsonPropertyName("grant_types")] public IReadOnlyList<string>? GrantTypes { get; init; }
    [JsonPropertyName("response_types")] public IReadOnlyList<string>? ResponseTypes { get; init; }
    [JsonPropertyName("token_endpoint_auth_method")] public string? TokenEndpointAuthMethod { get; init; }
    [JsonPropertyName("application_type")] public string? ApplicationType { get; init; }
    [JsonPropertyName("scope")] public string? Scope { get; init; }
}

/// <summary>A client identity at one authorization server: pre-registered or obtained by RFC 7591 registration.</summary>
public sealed record ClientRegistration
{
    [JsonPropertyName("client_id")] public string? ClientId { get; init; }
    [JsonPropertyName("client_secret")] public string? ClientSecret { get; init; }
    [JsonPropertyName("token_endpoint_auth_method")] public string? TokenEndpointAuthMethod { get; init; }
    [JsonPropertyName("redirect_uris")] public IReadOnlyList<string>? RedirectUris { get; init; }
    /// <summary>The scopes the client was registered for, where it asked for some.</summary>
    [JsonPropertyName("scope")] public string? Scope { get; init; }
    /// <summary>The issuer this registration belongs to; never used with another.</summary>
    [JsonPropertyName("issuer")] public string? Issuer { get; init; }
}
