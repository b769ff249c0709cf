using System.Text.Json.Nodes;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>An MCP client's authorization request, checked: its registered redirect URI, PKCE challenge, scopes and resource.</summary>
internal sealed record AuthorizationRequest(RegisteredClient Client, string RedirectUri, string? State, string CodeChallenge, IReadOnlyList<string> Scopes, string Resource);

/// <summary>A request the user approved, waiting for the provider's callback with the gateway's own PKCE verifier.</summary>
internal sealed record PendingCallback(AuthorizationRequest Request, string ProviderVerifier);

/// <summary>A code the front gave an MCP client, and the provider's tokens it stands for.</summary>
internal sealed record IssuedCode(AuthorizationRequest Request, JsonObject Tokens);
