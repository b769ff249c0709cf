using McpAuthProxy.OAuth.Discovery;

namespace McpAuthProxy.OAuth.Targets;

/// <summary>Where and for what to sign in: the authorization server, the scopes to ask for, the RFC 8707 resource.</summary>
/// <param name="Issuer">The authorization server's issuer, exactly as its metadata names it.</param>
public sealed record SignInTarget(string Issuer, AuthorizationServerMetadata Metadata, IReadOnlyList<string> Scopes, string? Resource);
