namespace McpAuthProxy.Gateway.Configuration;

/// <summary>Checks a whole configuration and reports every problem, each with its key and a fix; never stops at the first.</summary>
public static class GatewayConfigValidator
{
    private static readonly string[] TransportModes = ["sse", "streamable_http", "stdio"];
    private static readonly string[] ProviderTypes = ["oidc", "generic", "keycloak", "auth0", "asgardeo", "entra"];

    /// <summary>No key names the issuer whose tokens the gateway accepts.</summary>
    public static ConfigProblem NoIssuer { get; } = new("protected_resource_metadata.authorization_servers", "no authorization server: the gateway cannot tell which tokens to accept",
        "list your identity provider's issuer, e.g. 'authorization_servers: [ \"https://idp.example.com/realms/mcp\" ]', or set provider.type and its keys");

    public static void Validate(GatewayConfig config, List<ConfigProblem> errors, List<ConfigProblem> warnings)
    {
        var mode = GatewaySettings.ResolveTransportMode(config);
        var asgardeoMode = GatewaySettings.IsAsgardeoMode(config);

        if (config.ListenPort is null)
        {
            warnings.Add(new ConfigProblem("listen_port", $"not set; the gateway listens on {config.ListenHost ?? "127.0.0.1"}:8080", "write 'listen_port: 8080' to make it explicit"));
        }
        else if (config.ListenPort is < 1 or > 65535)
        {
            errors.Add(new ConfigProblem("listen_port", $"{config.ListenPort} is not a port the gateway can listen on (0 would pick a random port)",
                "write a port between 1 and 65535, e.g. 'listen_port: 8080'"));
        }

        CheckUrl(errors, "proxy_base_url", config.ProxyBaseUrl, "https://mcp.example.com");
        if (config.ListenHost is "0.0.0.0" or "::" or "[::]" or "*" or "+" && config.ProxyBaseUrl is null)
        {
            // Without it the resource the gateway names in its metadata and accepts as audience is http://127.0.0.1:PORT/...
            warnings.Add(new ConfigProblem("proxy_base_url", $"not set while listen_host is '{config.ListenHost}': the gateway names itself http://127.0.0.1:{config.ListenPort ?? 8080} in its metadata and in the token audience it accepts, which clients on other machines do not use",
                "write the URL your clients use, e.g. 'proxy_base_url: https://mcp.example.com'"));
        }

        if (config.Mode is { } gatewayMode && gatewayMode.ToLowerInvariant() is not ("default" or "asgardeo" or "demo"))
        {
            errors.Add(new ConfigProblem("mode", $"'{gatewayMode}' is not a mode", "write 'mode: asgardeo' (the -asgardeo flag does the same), or remove mode"));
        }

        if (!TransportModes.Contains(mode))
        {
            errors.Add(new ConfigProblem("transport_mode", $"'{config.TransportMode}' is not a transport mode", "write 'transport_mode: sse', 'streamable_http' or 'stdio'"));
        }

        if (mode == "stdio")
        {
            if (config.Stdio.Enabled != true)
            {
                errors.Add(new ConfigProblem("stdio.enabled", "transport_mode is stdio but stdio.enabled is not true", "write 'stdio: { enabled: true, user_command: \"...\" }' or use transport_mode: sse"));
            }

            if (config.Stdio.UserCommand is null || GatewaySettings.SplitCommandLine(config.Stdio.UserCommand).Count == 0)
            {
                errors.Add(new ConfigProblem("stdio.user_command", "required in stdio mode", "write the MCP server's command, e.g. 'user_command: \"node server.js stdio\"'"));
            }

            if (config.Stdio.UserCommand is { } userCommand && GatewaySettings.SplitCommandLine(userCommand) is [var command, ..] && !CommandExists(command))
            {
                errors.Add(new ConfigProblem("stdio.user_command", $"'{command}' is not an executable file or on PATH (it is run directly, without a shell)",
                    "install it, or write its full path, e.g. 'user_command: \"/usr/bin/node server.js\"'"));
            }

            if (config.Stdio.WorkDir is { } workDir && !Directory.Exists(workDir))
            {
                errors.Add(new ConfigProblem("stdio.work_dir", $"'{workDir}' is not a directory", "create it, write an existing directory, or remove work_dir"));
            }

            for (var i = 0; i < config.Stdio.Env.Count; i++)
            {
                var entry = config.Stdio.Env[i];
                if (entry.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    errors.Add(new ConfigProblem($"stdio.env[{i}]", $"'{entry}' is not NAME=value", "write e.g. '- \"GITHUB_TOKEN=...\"'"));
                }
            }

            if (config.Stdio.SessionIdleSeconds is < 1)
            {
                errors.Add(new ConfigProblem("stdio.session_idle_seconds", $"{config.Stdio.SessionIdleSeconds} is not a timeout", "write e.g. 'session_idle_seconds: 1800'"));
            }

            if (config.Stdio.MaxSessions is < 1)
            {
                errors.Add(new ConfigProblem("stdio.max_sessions", $"{config.Stdio.MaxSessions} allows no session", "write a number of processes, e.g. 'max_sessions: 32'"));
            }

            if (config.Stdio.MaxSessionsPerSubject is < 1)
            {
                errors.Add(new ConfigProblem("stdio.max_sessions_per_subject", $"{config.Stdio.MaxSessionsPerSubject} allows no session", "write e.g. 'max_sessions_per_subject: 8' (at most max_sessions)"));
            }
        }
        else
        {
            CheckUrl(errors, "base_url", config.BaseUrl, "http://127.0.0.1:8000");
            if (config.BaseUrl is null)
            {
                warnings.Add(new ConfigProblem("base_url", $"not set; the upstream MCP server is http://127.0.0.1:{config.Port ?? 8000}", $"write 'base_url: \"http://127.0.0.1:{config.Port ?? 8000}\"' to make it explicit"));
            }
        }

        if (config.Port is < 1 or > 65535)
        {
            errors.Add(new ConfigProblem("port", $"{config.Port} is not a port", "write the upstream port, e.g. 'port: 8000'"));
        }

        if (config.TimeoutSeconds is < 1)
        {
            errors.Add(new ConfigProblem("timeout_seconds", $"{config.TimeoutSeconds} is not a timeout", "write a number of seconds, e.g. 'timeout_seconds: 10'"));
        }

        CheckPath(errors, "paths.sse", config.Paths.Sse);
        CheckPath(errors, "paths.messages", config.Paths.Messages);
        CheckPath(errors, "paths.streamable_http", config.Paths.StreamableHttp);
        var paths = new[]
        {
            ("paths.sse", GatewaySettings.NormalizePath(config.Paths.Sse, "/sse")),
            ("paths.messages", GatewaySettings.NormalizePath(config.Paths.Messages, "/messages")),
            ("paths.streamable_http", GatewaySettings.NormalizePath(config.Paths.StreamableHttp, "/mcp")),
        };
        foreach (var group in paths.GroupBy(p => p.Item2, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add(new ConfigProblem(group.Last().Item1, $"'{group.Key}' is also {group.First().Item1}", "give each of paths.sse, paths.messages and paths.streamable_http its own path"));
        }

        for (var i = 0; i < config.Cors.AllowedOrigins.Count; i++)
        {
            var origin = config.Cors.AllowedOrigins[i];
            if (origin == "*")
            {
                warnings.Add(new ConfigProblem($"cors.allowed_origins[{i}]", "'*' lets any web page call the gateway with a user's token", "list the exact origins of your MCP clients"));
                continue;
            }

            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath.Length > 1 || uri.Query.Length > 0)
            {
                errors.Add(new ConfigProblem($"cors.allowed_origins[{i}]", $"'{origin}' is not an origin", "write scheme://host[:port] with no path, e.g. 'http://127.0.0.1:6274'"));
            }
        }

        if (config.Provider.Type is { } providerType)
        {
            if (!ProviderTypes.Contains(providerType.ToLowerInvariant()))
            {
                errors.Add(new ConfigProblem("provider.type", $"'{providerType}' is not a provider", "write one of: oidc, keycloak, auth0, asgardeo, entra"));
            }
            else
            {
                var (field, example) = providerType.ToLowerInvariant() switch
                {
                    "keycloak" => (config.Provider.BaseUrl is null ? "base_url" : config.Provider.Realm is null ? "realm" : null, "base_url: https://keycloak.example.com, realm: mcp"),
                    "auth0" => (config.Provider.Domain is null ? "domain" : null, "domain: your-tenant.us.auth0.com"),
                    "entra" => (config.Provider.TenantId is null ? "tenant_id" : null, "tenant_id: 00000000-0000-0000-0000-000000000000"),
                    "asgardeo" => (config.Provider.OrgName is null ? "org_name" : null, "org_name: your-org"),
                    _ => (config.Provider.Issuer is null && config.ProtectedResourceMetadata.AuthorizationServers.Count == 0 ? "issuer" : null, "issuer: https://idp.example.com"),
                };
                if (field is not null)
                {
                    errors.Add(new ConfigProblem($"provider.{field}", $"required for provider type '{providerType}'", $"write {example}"));
                }
            }
        }

        CheckUrl(errors, "provider.issuer", config.Provider.Issuer, "https://idp.example.com");
        CheckUrl(errors, "provider.base_url", config.Provider.BaseUrl, "https://keycloak.example.com");
        CheckUrl(errors, "token_validation.issuer", config.TokenValidation.Issuer, "https://idp.example.com");
        var prm = config.ProtectedResourceMetadata;
        for (var i = 0; i < prm.AuthorizationServers.Count; i++)
        {
            CheckUrl(errors, $"protected_resource_metadata.authorization_servers[{i}]", prm.AuthorizationServers[i], "https://idp.example.com");
        }

        CheckUrl(errors, "protected_resource_metadata.jwks_uri", prm.JwksUri, "https://idp.example.com/.well-known/jwks.json");
        CheckUrl(errors, "protected_resource_metadata.resource_identifier", prm.ResourceIdentifier, "https://mcp.example.com/mcp");
        CheckUrl(errors, "default.base_url", config.Default.BaseUrl, "https://idp.example.com");
        CheckUrl(errors, "asgardeo.api_base_url", config.Asgardeo.ApiBaseUrl, "https://api.asgardeo.io");
        if (asgardeoMode && (config.Asgardeo.ClientId is null) != (config.Asgardeo.ClientSecret is null))
        {
            errors.Add(new ConfigProblem(config.Asgardeo.ClientId is null ? "asgardeo.client_id" : "asgardeo.client_secret",
                "the gateway's /register needs both the client id and secret of an application-management client",
                "create a machine-to-machine application with the internal_application_mgt_create scope in Asgardeo and write both"));
        }
        CheckUrl(errors, "default.jwks_url", config.Default.JwksUrl, "https://idp.example.com/.well-known/jwks.json");

        if (GatewaySettings.ResolveIssuer(config, asgardeoMode) is null)
        {
            errors.Add(NoIssuer);
        }

        foreach (var method in prm.BearerMethodsSupported.Where(m => !string.Equals(m, "header", StringComparison.OrdinalIgnoreCase)))
        {
            warnings.Add(new ConfigProblem("protected_resource_metadata.bearer_methods_supported", $"'{method}' is not honoured; only 'header' is advertised", "remove it"));
        }

        if (config.TokenValidation.ClockSkewSeconds is < 0 or > 600)
        {
            errors.Add(new ConfigProblem("token_validation.clock_skew_seconds", $"{config.TokenValidation.ClockSkewSeconds} is outside 0..600", "write e.g. 'clock_skew_seconds: 60'"));
        }

        if (config.TokenValidation.JwksRefreshSeconds is < 1)
        {
            errors.Add(new ConfigProblem("token_validation.jwks_refresh_seconds", $"{config.TokenValidation.JwksRefreshSeconds} is not an interval", "write e.g. 'jwks_refresh_seconds: 60'"));
        }

        if (config.TokenValidation.CacheSeconds is < 0 or > 3600)
        {
            errors.Add(new ConfigProblem("token_validation.cache_seconds", $"{config.TokenValidation.CacheSeconds} is outside 0..3600", "write e.g. 'cache_seconds: 60', or 0 to check every token in full"));
        }

        for (var i = 0; i < config.TokenValidation.Algorithms.Count; i++)
        {
            var alg = config.TokenValidation.Algorithms[i];
            if (!GatewaySettings.DefaultAlgorithms.Contains(alg, StringComparer.Ordinal))
            {
                errors.Add(new ConfigProblem($"token_validation.algorithms[{i}]", $"'{alg}' is not allowed (never 'none' or HMAC)",
                    $"write a subset of: {string.Join(", ", GatewaySettings.DefaultAlgorithms)}"));
            }
        }

        var introspection = config.TokenValidation.Introspection;
        if (introspection.Endpoint is not null || introspection.ClientId is not null)
        {
            if (introspection.Endpoint is null)
            {
                errors.Add(new ConfigProblem("token_validation.introspection.endpoint", "required to introspect opaque tokens", "write your issuer's RFC 7662 endpoint, e.g. 'endpoint: https://idp.example.com/oauth2/introspect'"));
            }

            CheckUrl(errors, "token_validation.introspection.endpoint", introspection.Endpoint, "https://idp.example.com/oauth2/introspect");
            if (introspection.ClientId is null)
            {
                errors.Add(new ConfigProblem("token_validation.introspection.client_id", "the gateway must authenticate to the introspection endpoint", "write the gateway's client id at the issuer, e.g. 'client_id: mcp-gateway'"));
            }

            if (introspection.ClientSecretEnv is { } secretEnv && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(secretEnv)))
            {
                errors.Add(new ConfigProblem("token_validation.introspection.client_secret_env", $"environment variable '{secretEnv}' is not set", $"export {secretEnv}=... before starting the gateway"));
            }

            if (introspection.CacheSeconds is < 0 or > 300)
            {
                errors.Add(new ConfigProblem("token_validation.introspection.cache_seconds", $"{introspection.CacheSeconds} is outside 0..300", "write e.g. 'cache_seconds: 30'"));
            }
        }

        var upstreamAuth = config.UpstreamAuth;
        if (upstreamAuth.Header is not null || upstreamAuth.ValueFile is not null || upstreamAuth.ValueEnv is not null)
        {
            if ((upstreamAuth.ValueFile is null) == (upstreamAuth.ValueEnv is null))
            {
                errors.Add(new ConfigProblem("upstream_auth", "needs exactly one of value_file and value_env", "write 'value_env: UPSTREAM_TOKEN' or 'value_file: /run/secrets/upstream-token'"));
            }
            else if (upstreamAuth.ValueFile is { } file && !File.Exists(file))
            {
                errors.Add(new ConfigProblem("upstream_auth.value_file", $"'{file}' does not exist", "create the file holding the upstream credential, or fix the path"));
            }
            else if (upstreamAuth.ValueEnv is { } env && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(env)))
            {
                errors.Add(new ConfigProblem("upstream_auth.value_env", $"environment variable '{env}' is not set", $"export {env}=... before starting the gateway"));
            }

            if (upstreamAuth.Header is { } header && (header.Length == 0 || header.Any(c => c <= ' ' || c == ':')))
            {
                errors.Add(new ConfigProblem("upstream_auth.header", $"'{header}' is not a header name", "write e.g. 'header: X-Api-Key'"));
            }
        }

        ValidateAuthorizationProxy(config, errors);

        for (var i = 0; i < config.TrustedProxies.Count; i++)
        {
            if (GatewaySettings.ParseNetwork(config.TrustedProxies[i]) is null)
            {
                errors.Add(new ConfigProblem($"trusted_proxies[{i}]", $"'{config.TrustedProxies[i]}' is not an IP address or network",
                    "write the reverse proxy's address or network, e.g. '10.0.0.5' or '10.0.0.0/8'"));
            }
        }

        if (config.MaxBodyBytes is < 1024)
        {
            errors.Add(new ConfigProblem("max_body_bytes", $"{config.MaxBodyBytes} is too small for any MCP message", "write e.g. 'max_body_bytes: 4194304'"));
        }

        if (config.ShutdownGraceSeconds is < 0)
        {
            errors.Add(new ConfigProblem("shutdown_grace_seconds", $"{config.ShutdownGraceSeconds} is negative", "write e.g. 'shutdown_grace_seconds: 10'"));
        }

        if (config.StreamIdleTimeoutSeconds is < 1)
        {
            errors.Add(new ConfigProblem("stream_idle_timeout_seconds", $"{config.StreamIdleTimeoutSeconds} is not a timeout", "write e.g. 'stream_idle_timeout_seconds: 3600'"));
        }

        ValidateResourceRules(config, errors);
    }

    /// <summary>A rule names a resource by its one canonical URI: the gateway refuses requests in any other spelling.</summary>
    private static void ValidateResourceRules(GatewayConfig config, List<ConfigProblem> errors)
    {
        foreach (var (method, rule) in config.ProtectedResourceMetadata.ScopesSupported.Methods)
        {
            if (!Transport.JsonRpcBody.IsResourceMethod(method.ToLowerInvariant()))
            {
                continue;
            }

            foreach (var uri in rule.NameScopes.Keys)
            {
                if (Authorization.ResourceUri.Problem(uri) is { } problem)
                {
                    errors.Add(new ConfigProblem($"protected_resource_metadata.scopes_supported.{method}.{uri}", $"the URI {problem}",
                        "write the URI in its canonical form: lowercase scheme and host, no '.' or '..' segments, no fragment, '%XX' only where a character may not be written as it is"));
                }
            }
        }
    }

    private static void ValidateAuthorizationProxy(GatewayConfig config, List<ConfigProblem> errors)
    {
        var front = config.AuthorizationProxy;
        var configured = front.ClientSecret is not null || front.ClientSecretEnv is not null || front.CallbackPath is not null || front.KeyEnv is not null
            || front.ClientAuth is not null || front.ExtraScopes.Count > 0;
        if (front.ClientId is null)
        {
            if (configured)
            {
                errors.Add(new ConfigProblem("authorization_proxy.client_id", "required: the gateway's own client at the identity provider",
                    "register a client at your provider with the redirect URI <proxy_base_url>/oauth/callback and write 'client_id: <its id>'"));
            }

            return;
        }

        if (GatewaySettings.IsAsgardeoMode(config))
        {
            errors.Add(new ConfigProblem("authorization_proxy", "cannot be combined with -asgardeo mode", "remove the -asgardeo flag or the authorization_proxy block"));
        }

        if (front.ClientSecret is not null && front.ClientSecretEnv is not null)
        {
            errors.Add(new ConfigProblem("authorization_proxy.client_secret", "set together with client_secret_env", "keep one of the two"));
        }

        if (front.ClientSecretEnv is { } secretEnv && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(secretEnv)))
        {
            errors.Add(new ConfigProblem("authorization_proxy.client_secret_env", $"environment variable '{secretEnv}' is not set", $"export {secretEnv}=... before starting the gateway"));
        }

        if (front.ClientAuth is { } auth)
        {
            if (auth is not ("client_secret_basic" or "client_secret_post"))
            {
                errors.Add(new ConfigProblem("authorization_proxy.client_auth", $"'{auth}' is not a client authentication method", "write 'client_secret_basic' or 'client_secret_post'"));
            }
            else if (front.ClientSecret is null && front.ClientSecretEnv is null)
            {
                errors.Add(new ConfigProblem("authorization_proxy.client_auth", $"'{auth}' needs a client secret", "write 'client_secret_env: GATEWAY_CLIENT_SECRET', or remove client_auth for a public client"));
            }
        }

        CheckPath(errors, "authorization_proxy.callback_path", front.CallbackPath);
        var callback = GatewaySettings.NormalizePath(front.CallbackPath, "/oauth/callback");
        string[] taken =
        [
            GatewaySettings.NormalizePath(config.Paths.Sse, "/sse"), GatewaySettings.NormalizePath(config.Paths.Messages, "/messages"),
            GatewaySettings.NormalizePath(config.Paths.StreamableHttp, "/mcp"), "/authorize", "/token", "/register", "/healthz", "/readyz",
        ];
        if (taken.Contains(callback, StringComparer.Ordinal) || callback.StartsWith("/.well-known", StringComparison.Ordinal))
        {
            errors.Add(new ConfigProblem("authorization_proxy.callback_path", $"'{callback}' is already a route of the gateway", "write e.g. 'callback_path: /oauth/callback'"));
        }

        if (front.KeyEnv is { } keyEnv)
        {
            var value = Environment.GetEnvironmentVariable(keyEnv);
            if (string.IsNullOrEmpty(value))
            {
                errors.Add(new ConfigProblem("authorization_proxy.key_env", $"environment variable '{keyEnv}' is not set", $"export {keyEnv}=$(openssl rand -base64 32) before starting the gateway"));
            }
            else if (GatewaySettings.DecodeKey(value) is null)
            {
                errors.Add(new ConfigProblem("authorization_proxy.key_env", $"'{keyEnv}' is not base64 of at least 32 bytes", $"export {keyEnv}=$(openssl rand -base64 32)"));
            }
        }

        if (front.ConsentDays is < 1 or > 400)
        {
            errors.Add(new ConfigProblem("authorization_proxy.consent_days", $"{front.ConsentDays} is outside 1..400", "write e.g. 'consent_days: 30'"));
        }

        if (front.ConsentRateLimit is < 1 or > 10000)
        {
            errors.Add(new ConfigProblem("authorization_proxy.consent_rate_limit", $"{front.ConsentRateLimit} is outside 1..10000", "write the consent pages one address may open per minute, e.g. 'consent_rate_limit: 30'"));
        }

        if (front.RegistrationRateLimit is < 1 or > 10000)
        {
            errors.Add(new ConfigProblem("authorization_proxy.registration_rate_limit", $"{front.RegistrationRateLimit} is outside 1..10000", "write the registrations allowed per minute from one address, e.g. 'registration_rate_limit: 10'"));
        }

        if (front.ProviderTimeoutSeconds is < 1 or > 120)
        {
            errors.Add(new ConfigProblem("authorization_proxy.provider_timeout_seconds", $"{front.ProviderTimeoutSeconds} is outside 1..120", "write e.g. 'provider_timeout_seconds: 10'"));
        }

        // The consent and state cookies are __Host- cookies: browsers keep them only on https origins (and loopback).
        if (config.ProxyBaseUrl is { } publicBase && Uri.TryCreate(publicBase, UriKind.Absolute, out var uri) && uri.Scheme == "http" && !uri.IsLoopback)
        {
            errors.Add(new ConfigProblem("proxy_base_url", $"'{publicBase}' is plain http: browsers drop the gateway's secure consent cookies there",
                "serve the gateway over https (e.g. behind a TLS proxy) and write 'proxy_base_url: https://...'"));
        }
    }

    private static bool CommandExists(string command)
    {
        if (command.Contains(Path.DirectorySeparatorChar) || command.Contains(Path.AltDirectorySeparatorChar))
        {
            return File.Exists(command);
        }

        var extensions = OperatingSystem.IsWindows()
            ? (Environment.GetEnvironmentVariable("PATHEXT") ?? ".EXE;.CMD;.BAT").Split(';').Prepend("")
            : [""];
        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => extensions.Any(extension => File.Exists(Path.Combine(directory, command + extension))));
    }

    private static void CheckUrl(List<ConfigProblem> errors, string key, string? value, string example)
    {
        if (value is null)
        {
            return;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            errors.Add(new ConfigProblem(key, $"'{value}' is not an absolute http(s) URL", $"write e.g. '{example}'"));
        }
    }

    private static void CheckPath(List<ConfigProblem> errors, string key, string? value)
    {
        if (value is not null && (!value.StartsWith('/') || value.Contains('?', StringComparison.Ordinal) || value.Contains('#', StringComparison.Ordinal)))
        {
            errors.Add(new ConfigProblem(key, $"'{value}' is not a path", "write a path starting with '/', e.g. '/mcp'"));
        }
    }
}
