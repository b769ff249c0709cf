namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>An MCP client the front knows: registered at its <c>/register</c>, or described by a Client ID Metadata Document.</summary>
/// <param name="ClientId">The id the client uses at the gateway.</param>
/// <param name="ClientName">The name it gave itself (unverified; shown as such on the consent page), or null.</param>
/// <param name="RedirectUris">The exact redirect URIs it registered.</param>
/// <param name="FromMetadataDocument">True when the id is an https URL whose document the gateway fetched.</param>
internal sealed record RegisteredClient(string ClientId, string? ClientName, IReadOnlyList<string> RedirectUris, bool FromMetadataDocument);
