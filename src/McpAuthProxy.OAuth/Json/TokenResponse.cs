using System.Text.Json.Serialization;

namespace McpAuthProxy.OAuth.Json;

/// <summary>A token endpoint's successful answer (RFC 6749 §5.1).</summary>
internal sealed record TokenResponse
{
    [JsonPropertyName("access_token")] public string? AccessToken { get; init; }
    [JsonPropertyName("token_type")] public string? TokenType { get; init; }
    [JsonPropertyName("expires_in")] public long? ExpiresIn { get; init; }
    [JsonPropertyName("refresh_token")] public string? RefreshToken { get; init; }
    [JsonPropertyName("scope")] public string? Scope { get; init; }
    [JsonPropertyName("id_token")] public string? IdToken { get; init; }
}

/// <summary>An OAuth error answer (RFC 6749 §5.2).</summary>
internal sealed record OAuthErrorResponse
{
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("error_description")] public string? ErrorDescription { get; init; }
}

/// <summary>A device authorization answer (RFC 8628 §3.2).</summary>
internal sealed record DeviceAuthorizationResponse
{
    [JsonPropertyName("device_code")] public string? DeviceCode { get; init; }
    [JsonPropertyName("user_code")] public string? UserCode { get; init; }
    [JsonPropertyName("verification_uri")] public string? VerificationUri { get; init; }
    [JsonPropertyName("verification_uri_complete")] public string? VerificationUriComplete { get; init; }
    [JsonPropertyName("expires_in")] public long? ExpiresIn { get; init; }
    [JsonPropertyName("interval")] public long? Interval { get; init; }
}
