using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.DevIdentity.Stores;

/// <summary>An OpenIddict application kept in memory.</summary>
internal sealed class DevApplication
{
    public string Id { get; set; } = Guid.NewGuid().ToString("N");
    public string? ApplicationType { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    public string? ClientType { get; set; }
    public string? ConsentType { get; set; }
    public string? DisplayName { get; set; }
    public ImmutableDictionary<CultureInfo, string> DisplayNames { get; set; } = ImmutableDictionary<CultureInfo, string>.Empty;
    public JsonWebKeySet? JsonWebKeySet { get; set; }
    public ImmutableArray<string> Permissions { get; set; } = [];
    public ImmutableArray<string> PostLogoutRedirectUris { get; set; } = [];
    public ImmutableDictionary<string, JsonElement> Properties { get; set; } = ImmutableDictionary<string, JsonElement>.Empty;
    public ImmutableArray<string> RedirectUris { get; set; } = [];
    public ImmutableArray<string> Requirements { get; set; } = [];
    public ImmutableDictionary<string, string> Settings { get; set; } = ImmutableDictionary<string, string>.Empty;
}

/// <summary>An OpenIddict authorization (a grant of scopes to a client by a subject) kept in memory.</summary>
internal sealed class DevAuthorization
{
    public string Id { get; set; } = Guid.NewGuid().ToString("N");
    public string? ApplicationId { get; set; }
    public DateTimeOffset? CreationDate { get; set; }
    public ImmutableDictionary<string, JsonElement> Properties { get; set; } = ImmutableDictionary<string, JsonElement>.Empty;
    public ImmutableArray<string> Scopes { get; set; } = [];
    public string? Status { get; set; }
    public string? Subject { get; set; }
    public string? Type { get; set; }
}

/// <summary>An OpenIddict scope kept in memory.</summary>
internal sealed class DevScope
{
    public string Id { get; set; } = Guid.NewGuid().ToString("N");
    public string? Description { get; set; }
    public ImmutableDictionary<CultureInfo, string> Descriptions { get; set; } = ImmutableDictionary<CultureInfo, string>.Empty;
    public string? DisplayName { get; set; }
    public ImmutableDictionary<CultureInfo, string> DisplayNames { get; set; } = ImmutableDictionary<CultureInfo, string>.Empty;
    public string? Name { get; set; }
    public ImmutableDictionary<string, JsonElement> Properties { get; set; } = ImmutableDictionary<string, JsonElement>.Empty;
    public ImmutableArray<string> Resources { get; set; } = [];
}

/// <summary>An OpenIddict token entry (metadata of an issued code, refresh token, device code...) kept in memory.</summary>
internal sealed class DevToken
{
    public string Id { get; set; } = Guid.NewGuid().ToString("N");
    public string? ApplicationId { get; set; }
    public string? AuthorizationId { get; set; }
    public DateTimeOffset? CreationDate { get; set; }
    public DateTimeOffset? ExpirationDate { get; set; }
    public string? Payload { get; set; }
    public ImmutableDictionary<string, JsonElement> Properties { get; set; } = ImmutableDictionary<string, JsonElement>.Empty;
    public DateTimeOffset? RedemptionDate { get; set; }
    public string? ReferenceId { get; set; }
    public string? Status { get; set; }
    public string? Subject { get; set; }
    public string? Type { get; set; }
}
