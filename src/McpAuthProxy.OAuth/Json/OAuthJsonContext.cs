using System.Text.Json.Serialization;
using McpAuthProxy.OAuth.Discovery;
using McpAuthProxy.OAuth.Registration;
using McpAuthProxy.OAuth.Tokens;

namespace McpAuthProxy.OAuth.Json;

/// <summary>Every JSON shape the OAuth client reads or writes, source-generated (AOT-safe).</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    WriteIndented = true)]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(OAuthErrorResponse))]
[JsonSerializable(typeof(AuthorizationServerMetadata))]
[JsonSerializable(typeof(ProtectedResourceMetadata))]
[JsonSerializable(typeof(CachedToken))]
[JsonSerializable(typeof(ClientRegistrationRequest))]
[JsonSerializable(typeof(ClientRegistration))]
[JsonSerializable(typeof(DeviceAuthorizationResponse))]
internal sealed partial class OAuthJsonContext : JsonSerializerContext;
