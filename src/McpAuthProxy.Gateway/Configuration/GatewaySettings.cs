namespace McpAuthProxy.Gateway.Configuration;

/// <summary>The gateway's transport toward its upstream MCP server.</summary>
public enum UpstreamKind
{
    Http,
    Stdio,
}

/// <summary>
/// A validated <see cref="GatewayConfig"/> with every default applied and every derived value computed once:
/// what the rest of the gateway reads. Built by <see cref="From"/> only after <see cref="GatewayConfigValidator"/> passed.
/// </summary>
public sealed record GatewaySettings
{
    public static readonly IReadOnlyList<string> DefaultAlgorithms =
        ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

    public required GatewayConfig Config { get; init; }
    public required int ListenPort { get; init; }
    public required string ListenHost { get; init; }

    /// <summary>The gateway's public base URL (<c>proxy_base_url</c>); null means "the address the gateway is bound to".</summary>
    public Uri? PublicBaseUrl { get; init; }
    public required string TransportMode { get; init; }
    public required UpstreamKind Upstream { get; init; }
    public Uri? UpstreamBaseUrl { get; init; }
    public required string SsePath { get; init; }
    public required string MessagesPath { get; init; }
    public required string StreamableHttpPath { get; init; }

    /// <summary>The MCP path whose resource identifier the gateway advertises first (open-mcp-auth-proxy's PRM suffix).</summary>
    public required string PrimaryPath { get; init; }
    public required string Issuer { get; init; }
    public required IReadOnlyList<string> AuthorizationServers { get; init; }
    public string? JwksUri { get; init; }
    public string? ResourceIdentifier { get; init; }
    public string? Audience { get; init; }
    public required ScopeRules Scopes { get; init; }

    /// <summary>open-mcp-auth-proxy's default mode with <c>default.base_url</c>: the gateway serves /authorize, /token and /register.</summary>
    public bool ProxiesAuthorizationPaths => Config.Default.BaseUrl is not null && !IsAsgardeoMode(Config) && Front is null;

    /// <summary>Asgardeo mode with an application-management client: the gateway's /register creates an Asgardeo application per MCP client.</summary>
    public bool RegistersAtAsgardeo => IsAsgardeoMode(Config) && Config.Asgardeo.OrgName is not null && Config.Asgardeo.ClientId is not null && Config.Asgardeo.ClientSecret is not null;

    /// <summary>The gateway as the OAuth front of its provider (<c>authorization_proxy</c>); null when off.</summary>
    public FrontSettings? Front { get; init; }
    public required IReadOnlyList<string> AllowedOrigins { get; init; }
    public required IReadOnlyList<string> AllowedMethods { get; init; }
    public required IReadOnlyList<string> AllowedHeaders { get; init; }
    public required bool AllowCredentials { get; init; }
    public required TimeSpan ClockSkew { get; init; }
    public required IReadOnlyList<string> Algorithms { get; init; }
    public required TimeSpan JwksRefreshInterval { get; init; }

    /// <summary>How long a JWT that passed is trusted without a new check (never past its <c>exp</c>); zero: never.</summary>
    public TimeSpan TokenCacheDuration { get; init; } = TimeSpan.FromSeconds(60);
    public required bool RequireHttpsMetadata { get; init; }

    /// <summary><c>token_validation.require_at_jwt</c>: only JWTs typed <c>at+jwt</c> (RFC 9068) are access tokens.</summary>
    public bool RequireAtJwt { get; init; }
    public required long MaxBodyBytes { get; init; }

    /// <summary>Reverse proxies whose <c>X-Forwarded-For</c> gives the client's address (rate limits, logs); empty: none.</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];
    public required TimeSpan ShutdownGrace { get; init; }
    public required TimeSpan StreamIdleTimeout { get; init; }
    public required TimeSpan ConnectTimeout { get; init; }
    public IReadOnlyList<string> StdioCommand { get; init; } = [];
    public required int StdioMaxSessions { get; init; }

    /// <summary><c>stdio.max_sessions_per_subject</c>: so that one subject cannot take every process.</summary>
    public int StdioMaxSessionsPerSubject { get; init; } = 8;
    public required bool StdioSharedProcess { get; init; }
    public required int StdioMaxRestarts { get; init; }

    /// <summary>A Streamable HTTP session with no request for this long is ended and its process stopped (clients often never DELETE).</summary>
    public required TimeSpan StdioSessionIdle { get; init; }

    /// <summary>True when the gateway runs in open-mcp-auth-proxy's <c>-asgardeo</c> mode.</summary>
    public static bool IsAsgardeoMode(GatewayConfig config) => string.Equals(config.Mode, "asgardeo", StringComparison.OrdinalIgnoreCase);

    public static string ResolveTransportMode(GatewayConfig config) => (config.TransportMode ?? "sse").Trim().ToLowerInvariant();

    /// <summary>The issuer tokens must carry, by the first rule that applies.</summary>
    public static string? ResolveIssuer(GatewayConfig config, bool asgardeoMode)
    {
        if (config.TokenValidation.Issuer is { } explicitIssuer)
        {
            return explicitIssuer;
        }

        var p = config.Provider;
        switch (p.Type?.ToLowerInvariant())
        {
            case "keycloak" when p.BaseUrl is not null && p.Realm is not null:
                return $"{p.BaseUrl.TrimEnd('/')}/realms/{p.Realm}";
            case "auth0" when p.Domain is not null:
                return $"https://{p.Domain.Trim('/')}/";
            case "entra" when p.TenantId is not null:
                return $"https://login.microsoftonline.com/{p.TenantId}/v2.0";
            case "asgardeo" when p.OrgName is not null:
                return $"https://api.asgardeo.io/t/{p.OrgName}/oauth2/token";
            case "oidc" or "generic" when p.Issuer is not null:
                return p.Issuer;
        }

        if (p.Issuer is not null)
        {
            return p.Issuer;
        }

        if (config.ProtectedResourceMetadata.AuthorizationServers.Count > 0)
        {
            return config.ProtectedResourceMetadata.AuthorizationServers[0];
        }

        if (asgardeoMode && config.Asgardeo.OrgName is { } org)
        {
            return $"https://api.asgardeo.io/t/{org}/oauth2/token";
        }

        // open-mcp-auth-proxy's Auth0 and Keycloak guides name the issuer in the synthesized metadata.
        if (config.Default.AuthorizationServerResponse?.GetValueOrDefault("issuer") is string configuredIssuer && configuredIssuer.Length > 0)
        {
            return configuredIssuer;
        }

        return config.Default.BaseUrl;
    }

    /// <summary>Splits <c>stdio.user_command</c> into argv the way a POSIX shell would split words (quotes, backslashes), without running a shell.</summary>
    public static List<string> SplitCommandLine(string commandLine)
    {
        var args = new List<string>();
        var current = new System.Text.StringBuilder();
        var inWord = false;
        char quote = '\0';
        for (var i = 0; i < commandLine.Length; i++)
        {
            var c = commandLine[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else if (c == '\\' && quote == '"' && i + 1 < commandLine.Length && commandLine[i + 1] is '"' or '\\')
                {
                    current.Append(commandLine[++i]);
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (c == '\\' && i + 1 < commandLine.Length)
            {
                current.Append(commandLine[++i]);
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    args.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            args.Add(current.ToString());
        }

        return args;
    }

    internal static string NormalizePath(string? path, string fallback)
    {
        var value = string.IsNullOrWhiteSpace(path) ? fallback : path.Trim();
        return value.Length > 1 ? value.TrimEnd('/') : value;
    }

    /// <summary>Builds the settings from a configuration that passed validation.</summary>
    public static GatewaySettings From(GatewayConfig config)
    {
        var asgardeoMode = IsAsgardeoMode(config);
        var mode = ResolveTransportMode(config);
        var upstream = mode == "stdio" ? UpstreamKind.Stdio : UpstreamKind.Http;
        var sse = NormalizePath(config.Paths.Sse, "/sse");
        var messages = NormalizePath(config.Paths.Messages, "/messages");
        var mcp = NormalizePath(config.Paths.StreamableHttp, "/mcp");
        var issuer = ResolveIssuer(config, asgardeoMode) ?? throw new InvalidOperationException("The configuration was not validated: no issuer.");
        var prm = config.ProtectedResourceMetadata;
        var jwks = prm.JwksUri ?? config.Default.JwksUrl;
        if (jwks is null && asgardeoMode && config.Asgardeo.OrgName is { } org && prm.AuthorizationServers.Count == 0)
        {
            jwks = $"https://api.asgardeo.io/t/{org}/oauth2/jwks";
        }

        var stdioCommand = new List<string>();
        if (config.Stdio.UserCommand is { } userCommand)
        {
            stdioCommand.AddRange(SplitCommandLine(userCommand));
            stdioCommand.AddRange(config.Stdio.Args);
        }

        var upstreamBase = config.BaseUrl ?? $"http://127.0.0.1:{config.Port ?? 8000}";
        return new GatewaySettings
        {
            Config = config,
            ListenPort = config.ListenPort ?? 8080,
            ListenHost = config.ListenHost ?? "127.0.0.1",
            PublicBaseUrl = config.ProxyBaseUrl is { } publicBase ? new Uri(publicBase.TrimEnd('/')) : null,
            TransportMode = mode,
            Upstream = upstream,
            UpstreamBaseUrl = upstream == UpstreamKind.Http ? new Uri(upstreamBase.TrimEnd('/')) : null,
            SsePath = sse,
            MessagesPath = messages,
            StreamableHttpPath = mcp,
            PrimaryPath = mode == "sse" ? sse : mcp,
            Issuer = issuer,
            AuthorizationServers = prm.AuthorizationServers.Count > 0 ? prm.AuthorizationServers : [issuer],
            JwksUri = jwks,
            ResourceIdentifier = prm.ResourceIdentifier,
            // The audience the token requests ask for (open-mcp-auth-proxy's /token addBodyParams) is accepted too.
            Audience = prm.Audience ?? config.Default.TokenBodyParams.FirstOrDefault(p => p.Key == "audience").Value,
            Scopes = prm.ScopesSupported,
            AllowedOrigins = config.Cors.AllowedOrigins.Select(o => o.TrimEnd('/')).ToList(),
            AllowedMethods = config.Cors.AllowedMethods.Count > 0 ? config.Cors.AllowedMethods : ["GET", "POST", "DELETE", "OPTIONS"],
            AllowedHeaders = config.Cors.AllowedHeaders,
            AllowCredentials = config.Cors.AllowCredentials ?? false,
            ClockSkew = TimeSpan.FromSeconds(config.TokenValidation.ClockSkewSeconds ?? 60),
            Algorithms = config.TokenValidation.Algorithms.Count > 0 ? config.TokenValidation.Algorithms : DefaultAlgorithms,
            JwksRefreshInterval = TimeSpan.FromSeconds(config.TokenValidation.JwksRefreshSeconds ?? 60),
            TokenCacheDuration = TimeSpan.FromSeconds(config.TokenValidation.CacheSeconds ?? 60),
            RequireHttpsMetadata = config.TokenValidation.RequireHttpsMetadata ?? !IsLoopback(issuer),
            RequireAtJwt = config.TokenValidation.RequireAtJwt ?? false,
            MaxBodyBytes = config.MaxBodyBytes ?? 4 * 1024 * 1024,
            TrustedProxies = config.TrustedProxies.Select(ParseNetwork).OfType<System.Net.IPNetwork>().ToList(),
            ShutdownGrace = TimeSpan.FromSeconds(config.ShutdownGraceSeconds ?? 10),
            StreamIdleTimeout = TimeSpan.FromSeconds(config.StreamIdleTimeoutSeconds ?? 3600),
            ConnectTimeout = TimeSpan.FromSeconds(config.TimeoutSeconds ?? 15),
            StdioCommand = stdioCommand,
            StdioMaxSessions = config.Stdio.MaxSessions ?? 32,
            StdioMaxSessionsPerSubject = config.Stdio.MaxSessionsPerSubject ?? Math.Max(1, (config.Stdio.MaxSessions ?? 32) / 4),
            StdioSharedProcess = config.Stdio.SharedProcess ?? false,
            StdioMaxRestarts = config.Stdio.MaxRestarts ?? 5,
            StdioSessionIdle = TimeSpan.FromSeconds(config.Stdio.SessionIdleSeconds ?? 1800),
            Front = ReadFront(config),
        };
    }

    /// <summary>A base64 (or base64url) key of at least 32 bytes, or null.</summary>
    public static byte[]? DecodeKey(string value)
    {
        var text = value.Trim().Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        try
        {
            var key = Convert.FromBase64String(text);
            return key.Length >= 32 ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static FrontSettings? ReadFront(GatewayConfig config)
    {
        var front = config.AuthorizationProxy;
        if (front.ClientId is null)
        {
            return null;
        }

        var secret = front.ClientSecret ?? (front.ClientSecretEnv is { } env ? Environment.GetEnvironmentVariable(env) : null);
        var key = front.KeyEnv is { } keyEnv && Environment.GetEnvironmentVariable(keyEnv) is { } keyText ? DecodeKey(keyText) : null;
        return new FrontSettings
        {
            ClientId = front.ClientId,
            ClientSecret = string.IsNullOrEmpty(secret) ? null : secret,
            ClientAuth = front.ClientAuth ?? "client_secret_basic",
            CallbackPath = NormalizePath(front.CallbackPath, "/oauth/callback"),
            ExtraScopes = front.ExtraScopes,
            ForwardResource = front.ForwardResource ?? true,
            Key = key,
            ConsentLifetime = TimeSpan.FromDays(front.ConsentDays ?? 30),
            RegistrationsPerMinute = front.RegistrationRateLimit ?? 10,
            ConsentsPerMinute = front.ConsentRateLimit ?? 30,
            ProviderTimeout = TimeSpan.FromSeconds(front.ProviderTimeoutSeconds ?? 10),
            ClientIdMetadataDocuments = front.ClientIdMetadataDocuments ?? true,
        };
    }

    /// <summary>True for http(s) URLs on 127.0.0.0/8, ::1 or localhost: the only place plain-http metadata is accepted.</summary>
    /// <summary>An address (one host) or a CIDR network, e.g. <c>10.0.0.5</c>, <c>10.0.0.0/8</c>, <c>::1</c>; null when neither.</summary>
    public static System.Net.IPNetwork? ParseNetwork(string text) =>
        System.Net.IPNetwork.TryParse(text, out var network) ? network
        : System.Net.IPAddress.TryParse(text, out var address) ? new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
        : null;

    public static bool IsLoopback(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.IsLoopback;
}
