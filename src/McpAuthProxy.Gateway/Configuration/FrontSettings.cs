namespace McpAuthProxy.Gateway.Configuration;

/// <summary>The validated <c>authorization_proxy</c> block with its defaults applied (see <see cref="AuthorizationProxyConfig"/>).</summary>
public sealed record FrontSettings
{
    public required string ClientId { get; init; }
    public string? ClientSecret { get; init; }
    public required string ClientAuth { get; init; }
    public required string CallbackPath { get; init; }
    public required IReadOnlyList<string> ExtraScopes { get; init; }
    public required bool ForwardResource { get; init; }

    /// <summary>The configured key, or null for a random one per start (registrations and consents end with the process).</summary>
    public byte[]? Key { get; init; }
    public required TimeSpan ConsentLifetime { get; init; }
    public required int RegistrationsPerMinute { get; init; }

    /// <summary>Consent pages (pending sign-ins) one address may open per minute.</summary>
    public required int ConsentsPerMinute { get; init; }
    public required TimeSpan ProviderTimeout { get; init; }
    public required bool ClientIdMetadataDocuments { get; init; }
}
