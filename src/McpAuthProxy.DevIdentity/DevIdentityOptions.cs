using Microsoft.Extensions.Logging;

namespace McpAuthProxy.DevIdentity;

/// <summary>How to run the development identity provider. Every member is optional; null means "the default".</summary>
public sealed record DevIdentityOptions
{
    /// <summary>Where to listen. Default <c>http://127.0.0.1:0</c> (an ephemeral port, read back from <see cref="DevIdentityServer.Issuer"/>).</summary>
    public Uri? ListenUrl { get; init; }

    /// <summary>
    /// The RFC 8707 resources (token audiences) clients may ask for. Null or empty: any absolute URI is accepted,
    /// which suits a demo whose MCP server port is not known when the identity provider starts.
    /// </summary>
    public IReadOnlyList<Uri>? Resources { get; init; }

    /// <summary>Lifetime of access tokens. Default one hour; tests use a few seconds.</summary>
    public TimeSpan? AccessTokenLifetime { get; init; }

    /// <summary>Lifetime of refresh tokens. Default 14 days.</summary>
    public TimeSpan? RefreshTokenLifetime { get; init; }

    /// <summary>
    /// Turn dynamic client registration off: no <c>registration_endpoint</c> in the metadata and 404 at
    /// <c>/connect/register</c>, like the many company identity providers the gateway's authorization proxy fronts.
    /// </summary>
    public bool DisableRegistration { get; init; }

    /// <summary>Skip the sign-in and consent pages: every authorization request is granted to the demo user at once.</summary>
    public bool AutoApprove { get; init; }

    /// <summary>The clients to register. Null: <see cref="DevIdentityDefaults.Clients"/>.</summary>
    public IReadOnlyList<DevIdentityClient>? Clients { get; init; }

    /// <summary>The user who can sign in. Null: <see cref="DevIdentityDefaults.User"/>.</summary>
    public DevIdentityUser? User { get; init; }

    /// <summary>Scopes beyond <see cref="DevIdentityDefaults.Scopes"/>.</summary>
    public IReadOnlyList<string>? ExtraScopes { get; init; }

    /// <summary>Where the server logs. Null: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock for token lifetimes. Null: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; init; }
}

/// <summary>A client registered with the development identity provider.</summary>
public sealed record DevIdentityClient
{
    /// <summary>The client_id.</summary>
    public required string ClientId { get; init; }

    /// <summary>The secret of a confidential client (client_secret_basic or client_secret_post); null for a public client.</summary>
    public string? ClientSecret { get; init; }

    /// <summary>The name shown on the consent page.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Grant types (<c>authorization_code</c>, <c>refresh_token</c>, <c>client_credentials</c>, <c>urn:ietf:params:oauth:grant-type:device_code</c>).</summary>
    public IReadOnlyList<string> GrantTypes { get; init; } = [DevIdentityDefaults.AuthorizationCodeGrant, DevIdentityDefaults.RefreshTokenGrant];

    /// <summary>Registered redirect URIs. A loopback one matches the same URI on any port (RFC 8252 section 7.3).</summary>
    public IReadOnlyList<Uri> RedirectUris { get; init; } = [];

    /// <summary>Accept any http loopback redirect URI (127.0.0.1, [::1] or localhost; any port, any path). For the bridge.</summary>
    public bool AnyLoopbackRedirect { get; init; }
}

/// <summary>The user who signs in on the sign-in page.</summary>
/// <param name="UserName">What to type in the user name field.</param>
/// <param name="Password">What to type in the password field (shown on the page: this is a development server).</param>
/// <param name="Subject">The <c>sub</c> claim.</param>
/// <param name="Name">The <c>name</c> claim (scope <c>profile</c>).</param>
/// <param name="Email">The <c>email</c> claim (scope <c>email</c>).</param>
public sealed record DevIdentityUser(string UserName, string Password, string Subject, string Name, string Email);
