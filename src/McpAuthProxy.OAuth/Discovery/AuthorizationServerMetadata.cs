using System.Text.Json.Serialization;

namespace McpAuthProxy.OAuth.Discovery;

/// <summary>RFC 8414 / OIDC discovery metadata: the fields this client uses.</summary>
public sealed record AuthorizationServerMetadata
{
    [JsonPropertyName("issuer")] public string? Issuer { get; init; }
    [JsonPropertyName("authorization_endpoint")] public string? AuthorizationEndpoint { get; init; }
    [JsonPropertyName("token_endpoint")] public string? TokenEndpoint { get; init; }
    [JsonPropertyName("jwks_uri")] public string? JwksUri { get; init; }
    [JsonPropertyName("registration_endpoint")] public string? RegistrationEndpoint { get; init; }
    [JsonPropertyName("device_authorization_endpoint")] public string? DeviceAuthorizationEndpoint { get; init; }
    [JsonPropertyName("revocation_endpoint")] public string? RevocationEndpoint { get; init; }
    [JsonPropertyName("scopes_supported")] public IReadOnlyList<string>? ScopesSupported { get; init; }
    [JsonPropertyName("response_types_supported")] public IReadOnlyList<string>? ResponseTypesSupported { get; init; }
    [JsonPropertyName("grant_types_supported")] public IReadOnlyList<string>? GrantTypesSupported { get; init; }
    [JsonPropertyName("token_endpoint_auth_methods_supported")] public IReadOnlyList<string>? TokenEndpointAuthMethodsSupported { get; init; }
    [JsonPropertyName("code_challenge_methods_supported")] public IReadOnlyList<string>? CodeChallengeMethodsSupported { get; init; }
    [JsonPropertyName("authorization_response_iss_parameter_supported")] public bool? AuthorizationResponseIssParameterSupported { get; init; }
    [JsonPropertyName("client_id_metadata_document_supported")] public bool? ClientIdMetadataDocumentSupported { get; init; }
}

/// <summary>RFC 9728 protected resource metadata.</summary>
public sealed record ProtectedResourceMetadata
{
    [JsonPropertyName("resource")] public string? Resource { get; init; }
    [JsonPropertyName("authorization_servers")] public IReadOnlyList<string>? AuthorizationServers { get; init; }
    [JsonPropertyName("scopes_supported")] public IReadOnlyList<string>? ScopesSupported { get; init; }
    [JsonPropertyName("bearer_methods_supported")] public IReadOnlyList<string>? BearerMethodsSupported { get; init; }
    [JsonPropertyName("resource_name")] public string? ResourceName { get; init; }
}
