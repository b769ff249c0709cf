namespace McpAuthProxy.Gateway.Configuration;

/// <summary>
/// The contents of open-mcp-auth-proxy's <c>config.yaml</c> (same keys, same meanings), plus this gateway's
/// additions. Null means "not set"; defaults are applied by <see cref="GatewaySettings"/>.
/// </summary>
public sealed record GatewayConfig
{
    public string? ProxyBaseUrl { get; init; }
    public int? ListenPort { get; init; }
    public string? ListenHost { get; init; }
    public string? BaseUrl { get; init; }
    public int? Port { get; init; }
    public int? TimeoutSeconds { get; init; }
    public string? Mode { get; init; }
    public string? TransportMode { get; init; }
    public PathsConfig Paths { get; init; } = new();
    public StdioConfig Stdio { get; init; } = new();
    public IReadOnlyDictionary<string, string> PathMapping { get; init; } = new Dictionary<string, string>();
    public CorsConfig Cors { get; init; } = new();
    public OrgClientConfig Demo { get; init; } = new();
    public OrgClientConfig Asgardeo { get; init; } = new();
    public DefaultProviderConfig Default { get; init; } = new();
    public ProtectedResourceMetadataConfig ProtectedResourceMetadata { get; init; } = new();

    // Additions (not in open-mcp-auth-proxy).
    public ProviderConfig Provider { get; init; } = new();
    public TokenValidationConfig TokenValidation { get; init; } = new();
    public UpstreamAuthConfig UpstreamAuth { get; init; } = new();
    public AuthorizationProxyConfig AuthorizationProxy { get; init; } = new();
    /// <summary>Scope hierarchy: a granted scope implies these (e.g. <c>mcp:admin: [mcp:tools]</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ScopeHierarchy { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    /// <summary>
    /// <c>hide_unauthorized</c> (default true): list answers leave out the tools, prompts and resources the token may not
    /// use; false lists them, and a call of one gets 403 <c>insufficient_scope</c> (a step-up a client can reach).
    /// </summary>
    public bool? HideUnauthorized { get; init; }
    public long? MaxBodyBytes { get; init; }
    /// <summary>Addresses or networks (CIDR) of reverse proxies whose <c>X-Forwarded-For</c> names the client.</summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];
    public int? ShutdownGraceSeconds { get; init; }
    public int? StreamIdleTimeoutSeconds { get; init; }
}

public sealed record PathsConfig
{
    public string? Sse { get; init; }
    public string? Messages { get; init; }
    public string? StreamableHttp { get; init; }
}

public sealed record StdioConfig
{
    public bool? Enabled { get; init; }
    public string? UserCommand { get; init; }
    public string? WorkDir { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];
    public IReadOnlyList<string> Env { get; init; } = [];

    // Additions.
    public int? MaxSessions { get; init; }
    /// <summary>Stdio sessions one subject may hold at once (default a quarter of <see cref="MaxSessions"/>, at least 1).</summary>
    public int? MaxSessionsPerSubject { get; init; }
    public bool? SharedProcess { get; init; }
    public int? MaxRestarts { get; init; }
    public int? SessionIdleSeconds { get; init; }
}

public sealed record CorsConfig
{
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];
    public IReadOnlyList<string> AllowedMethods { get; init; } = [];
    public IReadOnlyList<string> AllowedHeaders { get; init; } = [];
    public bool? AllowCredentials { get; init; }
}

public sealed record OrgClientConfig
{
    public string? OrgName { get; init; }

    /// <summary>The organization's application-management client (scopes <c>internal_application_mgt_*</c>).</summary>
    public string? ClientId { get; init; }
    public string? ClientSecret { get; init; }

    /// <summary>Where Asgardeo's APIs are (default <c>https://api.asgardeo.io</c>); an addition, for private deployments and tests.</summary>
    public string? ApiBaseUrl { get; init; }
}

public sealed record DefaultProviderConfig
{
    public string? BaseUrl { get; init; }
    public string? JwksUrl { get; init; }

    /// <summary>The <c>default.path./.well-known/oauth-authorization-server.response</c> block, raw.</summary>
    public IReadOnlyDictionary<string, object?>? AuthorizationServerResponse { get; init; }

    /// <summary><c>default.path./authorize.addQueryParams</c>: set (overwritten) on the redirect to the authorization server.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> AuthorizeQueryParams { get; init; } = [];

    /// <summary><c>default.path./token.addBodyParams</c>: set on proxied token requests (form or JSON).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> TokenBodyParams { get; init; } = [];

    /// <summary><c>default.path./register.addBodyParams</c>: set on proxied registration requests.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RegisterBodyParams { get; init; } = [];
}

public sealed record ProtectedResourceMetadataConfig
{
    public string? ResourceIdentifier { get; init; }
    public string? Audience { get; init; }
    public ScopeRules ScopesSupported { get; init; } = ScopeRules.Empty;
    public IReadOnlyList<string> AuthorizationServers { get; init; } = [];
    public string? JwksUri { get; init; }
    public IReadOnlyList<string> BearerMethodsSupported { get; init; } = [];
}

/// <summary>Provider preset: <c>oidc</c> (generic), <c>keycloak</c>, <c>auth0</c>, <c>asgardeo</c>, <c>entra</c>.</summary>
public sealed record ProviderConfig
{
    public string? Type { get; init; }
    public string? Issuer { get; init; }
    public string? BaseUrl { get; init; }
    public string? Realm { get; init; }
    public string? Domain { get; init; }
    public string? TenantId { get; init; }
    public string? OrgName { get; init; }
}

public sealed record TokenValidationConfig
{
    public string? Issuer { get; init; }
    public int? ClockSkewSeconds { get; init; }
    public IReadOnlyList<string> Algorithms { get; init; } = [];
    public int? JwksRefreshSeconds { get; init; }
    public int? CacheSeconds { get; init; }
    public bool? RequireHttpsMetadata { get; init; }
    /// <summary>Only JWTs typed <c>at+jwt</c> (RFC 9068) are access tokens; for providers that type theirs.</summary>
    public bool? RequireAtJwt { get; init; }
    public IntrospectionConfig Introspection { get; init; } = new();
}

/// <summary>RFC 7662 introspection for opaque (non-JWT) access tokens.</summary>
public sealed record IntrospectionConfig
{
    public string? Endpoint { get; init; }
    public string? ClientId { get; init; }
    public string? ClientSecret { get; init; }
    public string? ClientSecretEnv { get; init; }
    public int? CacheSeconds { get; init; }
}

/// <summary>A static credential for the upstream, read from a file or an environment variable (never from the caller).</summary>
public sealed record UpstreamAuthConfig
{
    public string? Header { get; init; }
    public string? ValuePrefix { get; init; }
    public string? ValueFile { get; init; }
    public string? ValueEnv { get; init; }
}

/// <summary>
/// The gateway as the OAuth front of a provider without dynamic registration: MCP clients register and sign in at the
/// gateway, which uses one client of its own at the provider (<c>client_id</c>) and asks each user's consent per MCP client.
/// </summary>
public sealed record AuthorizationProxyConfig
{
    /// <summary>The gateway's own client at the provider; setting it turns the front on.</summary>
    public string? ClientId { get; init; }
    public string? ClientSecret { get; init; }
    public string? ClientSecretEnv { get; init; }

    /// <summary><c>client_secret_basic</c> (default with a secret) or <c>client_secret_post</c>.</summary>
    public string? ClientAuth { get; init; }

    /// <summary>Where the provider sends the user back (default <c>/oauth/callback</c>); register <c>proxy_base_url</c> + it at the provider.</summary>
    public string? CallbackPath { get; init; }

    /// <summary>Scopes always asked of the provider besides the MCP client's (e.g. <c>offline_access</c> for refresh tokens).</summary>
    public IReadOnlyList<string> ExtraScopes { get; init; } = [];

    /// <summary>Send the MCP client's RFC 8707 <c>resource</c> on to the provider (default true).</summary>
    public bool? ForwardResource { get; init; }

    /// <summary>An environment variable holding a base64 key of at least 32 bytes; keeps registrations and consents valid across restarts.</summary>
    public string? KeyEnv { get; init; }
    public int? ConsentDays { get; init; }

    /// <summary>Registrations per minute from one address (default 10).</summary>
    public int? RegistrationRateLimit { get; init; }
    public int? ConsentRateLimit { get; init; }
    public int? ProviderTimeoutSeconds { get; init; }

    /// <summary>Accept https client ids that name a Client ID Metadata Document (default true).</summary>
    public bool? ClientIdMetadataDocuments { get; init; }
}
