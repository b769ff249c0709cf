using System.Collections;
using System.Globalization;
using YamlDotNet.Core;

namespace McpAuthProxy.Gateway.Configuration;

/// <summary>
/// Reads <c>config.yaml</c> (open-mcp-auth-proxy's keys) by hand from the YAML node tree, applies environment overrides
/// (<c>MCP_AUTH_PROXY_</c> + the key path in capitals, levels joined by <c>__</c>, e.g.
/// <c>MCP_AUTH_PROXY_PROTECTED_RESOURCE_METADATA__AUDIENCE</c>; lists comma-separated), and collects every problem.
/// </summary>
public static class GatewayConfigLoader
{
    public const string EnvironmentPrefix = "MCP_AUTH_PROXY_";

    private static readonly Dictionary<string, string[]> KnownKeys = new(StringComparer.Ordinal)
    {
        [""] =
        [
            "proxy_base_url", "listen_port", "listen_host", "base_url", "port", "timeout_seconds", "mode", "transport_mode", "paths",
            "stdio", "path_mapping", "cors", "demo", "asgardeo", "default", "protected_resource_metadata", "provider",
            "token_validation", "upstream_auth", "scope_hierarchy", "max_body_bytes", "shutdown_grace_seconds", "stream_idle_timeout_seconds",
            "authorization_proxy", "mcp_server_base_url", "mcp_paths", "trusted_proxies", "hide_unauthorized", "max_sessions_per_subject",
        ],
        ["paths"] = ["sse", "messages", "streamable_http"],
        ["stdio"] = ["enabled", "user_command", "work_dir", "args", "env", "max_sessions", "max_sessions_per_subject", "shared_process", "max_restarts", "session_idle_seconds"],
        ["cors"] = ["allowed_origins", "allowed_methods", "allowed_headers", "allow_credentials"],
        ["demo"] = ["org_name", "client_id", "client_secret"],
        ["asgardeo"] = ["org_name", "client_id", "client_secret", "api_base_url", "resource_identifier", "scopes_supported", "audience", "authorization_servers", "jwks_uri", "bearer_methods_supported"],
        ["default"] = ["base_url", "jwks_url", "path"],
        ["protected_resource_metadata"] = ["resource_identifier", "audience", "scopes_supported", "authorization_servers", "jwks_uri", "bearer_methods_supported", "issuer"],
        ["provider"] = ["type", "issuer", "base_url", "realm", "domain", "tenant_id", "org_name"],
        ["token_validation"] = ["issuer", "clock_skew_seconds", "algorithms", "jwks_refresh_seconds", "cache_seconds", "require_https_metadata", "introspection", "require_at_jwt"],
        ["token_validation.introspection"] = ["endpoint", "client_id", "client_secret", "client_secret_env", "cache_seconds"],
        ["upstream_auth"] = ["header", "value_prefix", "value_file", "value_env"],
        ["authorization_proxy"] =
        [
            "client_id", "client_secret", "client_secret_env", "client_auth", "callback_path", "extra_scopes", "forward_resource",
            "key_env", "consent_days", "registration_rate_limit", "consent_rate_limit", "provider_timeout_seconds", "client_id_metadata_documents",
        ],
    };

    /// <summary>The keys an issuer is resolved from (see <see cref="GatewaySettings.ResolveIssuer"/>).</summary>
    private static readonly string[] IssuerSources =
    [
        "provider", "provider.type", "provider.issuer", "provider.base_url", "provider.realm", "provider.domain", "provider.tenant_id", "provider.org_name",
        "token_validation", "token_validation.issuer", "protected_resource_metadata", "protected_resource_metadata.authorization_servers",
        "protected_resource_metadata.issuer", "asgardeo", "asgardeo.org_name", "asgardeo.authorization_servers", "default", "default.base_url", "default.path",
    ];

    /// <summary>Every key the loader reads, by section ("" for the top level; "stdio", "token_validation.introspection", ...).</summary>
    public static IReadOnlyDictionary<string, string[]> Keys => KnownKeys;

    /// <summary>Loads and validates a file; a missing or unreadable file is an error, never an exception.</summary>
    public static ConfigLoadResult LoadFile(string path, IDictionary? environment = null, Func<GatewayConfig, GatewayConfig>? adjust = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var fullPath = Path.GetFullPath(path);
            var reason = Directory.Exists(path) ? "it is a folder, not a file"
                : ex is FileNotFoundException or DirectoryNotFoundException ? "there is no such file"
                : ex.Message.TrimEnd('.');
            return new ConfigLoadResult(null,
                [new ConfigProblem("config", $"cannot read '{fullPath}': {reason}",
                    "create config.yaml in the working directory or pass --config PATH (README.md's walk-through has a small one; mcp-auth-proxy gateway --help lists the keys)")],
                []);
        }

        return Load(text, environment ?? Environment.GetEnvironmentVariables(), adjust);
    }

    /// <summary>Loads and validates YAML text.</summary>
    /// <param name="adjust">Applied after reading and before validation (command-line flags such as <c>-stdio</c>).</param>
    public static ConfigLoadResult Load(string yaml, IDictionary? environment = null, Func<GatewayConfig, GatewayConfig>? adjust = null)
    {
        Dictionary<string, object?> root;
        try
        {
            root = YamlTree.Parse(yaml);
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException)
        {
            // YamlDotNet's scanner throws InvalidOperationException for some unclosed flow collections.
            return new ConfigLoadResult(null, [YamlSyntaxProblem.Describe(yaml, ex)], []);
        }

        var reader = new Reader();
        if (environment is not null)
        {
            ApplyEnvironment(root, environment, reader);
        }

        reader.CheckUnknownKeys(root, "");
        var config = reader.ReadConfig(root);
        if (adjust is not null)
        {
            config = adjust(config);
        }

        // A key whose value could not be read is reported once: not again as missing or as inconsistent with others,
        // nor as the missing issuer when it is one of the keys the issuer comes from.
        var unreadable = reader.Errors.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        var issuerUnreadable = unreadable.Any(key => IssuerSources.Any(source => key == source || key.StartsWith(source + "[", StringComparison.Ordinal)));
        var errors = new List<ConfigProblem>();
        var warnings = new List<ConfigProblem>();
        GatewayConfigValidator.Validate(config, errors, warnings);
        errors = [.. reader.Errors, .. errors.Where(e => !unreadable.Contains(e.Key) && !(issuerUnreadable && e == GatewayConfigValidator.NoIssuer))];
        warnings = [.. reader.Warnings, .. warnings.Where(w => !unreadable.Contains(w.Key))];
        return new ConfigLoadResult(errors.Count == 0 ? config : null, NameVariables(errors, reader.Overridden), NameVariables(warnings, reader.Overridden));
    }

    /// <summary>A problem with a value that came from MCP_AUTH_PROXY_* names the variable, since config.yaml does not show it.</summary>
    private static List<ConfigProblem> NameVariables(List<ConfigProblem> problems, HashSet<string> overridden) =>
        problems.Select(p => overridden.Contains(p.Key.Split('[')[0])
            ? p with { Key = $"{p.Key} (set by {EnvironmentPrefix}{p.Key.Split('[')[0].ToUpperInvariant().Replace(".", "__", StringComparison.Ordinal)})" }
            : p).ToList();

    private static void ApplyEnvironment(Dictionary<string, object?> root, IDictionary environment, Reader reader)
    {
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is not string name || !name.StartsWith(EnvironmentPrefix, StringComparison.Ordinal) || entry.Value is not string value)
            {
                continue;
            }

            var path = name[EnvironmentPrefix.Length..].ToLowerInvariant().Split("__");
            if (path.Any(string.IsNullOrEmpty))
            {
                continue;
            }

            var node = root;
            for (var i = 0; i < path.Length - 1; i++)
            {
                if (node.TryGetValue(path[i], out var child) && child is Dictionary<string, object?> childMap)
                {
                    node = childMap;
                }
                else
                {
                    var created = new Dictionary<string, object?>(StringComparer.Ordinal);
                    node[path[i]] = created;
                    node = created;
                }
            }

            var leaf = path[^1];
            node[leaf] = node.TryGetValue(leaf, out var existing) && existing is IList
                ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Cast<object?>().ToList()
                : value;
            reader.Overridden.Add(string.Join('.', path));
        }
    }

    private sealed class Reader
    {
        public List<ConfigProblem> Errors { get; } = [];
        public List<ConfigProblem> Warnings { get; } = [];
        public HashSet<string> Overridden { get; } = [];

        public void CheckUnknownKeys(Dictionary<string, object?> map, string prefix)
        {
            if (!KnownKeys.TryGetValue(prefix, out var known))
            {
                return;
            }

            foreach (var (key, value) in map)
            {
                var path = prefix.Length == 0 ? key : $"{prefix}.{key}";
                if (!known.Contains(key))
                {
                    var close = NearestName.Find(key, known);
                    Warnings.Add(new ConfigProblem(path, "unknown key, ignored",
                        close is null ? $"remove it; the keys here are: {string.Join(", ", known)}" : $"did you mean '{(prefix.Length == 0 ? close : $"{prefix}.{close}")}'?"));
                }
                else if (value is Dictionary<string, object?> child)
                {
                    CheckUnknownKeys(child, path);
                }
            }
        }

        public GatewayConfig ReadConfig(Dictionary<string, object?> root)
        {
            var paths = Map(root, "paths");
            var stdio = Map(root, "stdio");
            var cors = Map(root, "cors");
            var prm = Map(root, "protected_resource_metadata");
            var asgardeo = Map(root, "asgardeo");
            var defaults = Map(root, "default");
            var provider = Map(root, "provider");
            var validation = Map(root, "token_validation");
            var upstreamAuth = Map(root, "upstream_auth");
            var introspection = validation is null ? null : Map(validation, "introspection");
            var front = Map(root, "authorization_proxy");

            if (root.ContainsKey("mcp_paths") || root.ContainsKey("mcp_server_base_url"))
            {
                Warnings.Add(new ConfigProblem(root.ContainsKey("mcp_paths") ? "mcp_paths" : "mcp_server_base_url",
                    "a key of open-mcp-auth-proxy 1.0, ignored", "use paths.sse / paths.messages / paths.streamable_http and base_url"));
            }

            // The asgardeo block of the README carries PRM keys; protected_resource_metadata wins where both are set.
            string? PrmString(string key) => String(prm, "protected_resource_metadata", key) ?? String(asgardeo, "asgardeo", key);
            IReadOnlyList<string> PrmList(string key)
            {
                var list = StringList(prm, "protected_resource_metadata", key);
                return list.Count > 0 ? list : StringList(asgardeo, "asgardeo", key);
            }

            var scopes = prm is not null && prm.ContainsKey("scopes_supported")
                ? ReadScopes(prm["scopes_supported"], "protected_resource_metadata.scopes_supported")
                : asgardeo is not null && asgardeo.ContainsKey("scopes_supported")
                    ? ReadScopes(asgardeo["scopes_supported"], "asgardeo.scopes_supported")
                    : ScopeRules.Empty;

            return new GatewayConfig
            {
                ProxyBaseUrl = String(root, "", "proxy_base_url"),
                ListenPort = Int(root, "", "listen_port"),
                ListenHost = String(root, "", "listen_host"),
                BaseUrl = String(root, "", "base_url"),
                Port = Int(root, "", "port"),
                TimeoutSeconds = Int(root, "", "timeout_seconds"),
                Mode = String(root, "", "mode"),
                TransportMode = String(root, "", "transport_mode"),
                Paths = new PathsConfig
                {
                    Sse = String(paths, "paths", "sse"),
                    Messages = String(paths, "paths", "messages"),
                    StreamableHttp = String(paths, "paths", "streamable_http"),
                },
                Stdio = new StdioConfig
                {
                    Enabled = Bool(stdio, "stdio", "enabled"),
                    UserCommand = String(stdio, "stdio", "user_command"),
                    WorkDir = String(stdio, "stdio", "work_dir"),
                    Args = StringList(stdio, "stdio", "args"),
                    Env = StringList(stdio, "stdio", "env"),
                    MaxSessions = Int(stdio, "stdio", "max_sessions"),
                    MaxSessionsPerSubject = Int(stdio, "stdio", "max_sessions_per_subject"),
                    SharedProcess = Bool(stdio, "stdio", "shared_process"),
                    MaxRestarts = Int(stdio, "stdio", "max_restarts"),
                    SessionIdleSeconds = Int(stdio, "stdio", "session_idle_seconds"),
                },
                PathMapping = StringMap(root, "path_mapping"),
                Cors = new CorsConfig
                {
                    AllowedOrigins = StringList(cors, "cors", "allowed_origins"),
                    AllowedMethods = StringList(cors, "cors", "allowed_methods"),
                    AllowedHeaders = StringList(cors, "cors", "allowed_headers"),
                    AllowCredentials = Bool(cors, "cors", "allow_credentials"),
                },
                Demo = ReadOrgClient(Map(root, "demo"), "demo"),
                Asgardeo = ReadOrgClient(asgardeo, "asgardeo"),
                Default = new DefaultProviderConfig
                {
                    BaseUrl = String(defaults, "default", "base_url"),
                    JwksUrl = String(defaults, "default", "jwks_url"),
                    AuthorizationServerResponse = ReadAsResponse(defaults),
                    AuthorizeQueryParams = ReadParams(defaults, "/authorize", "addQueryParams"),
                    TokenBodyParams = ReadParams(defaults, "/token", "addBodyParams"),
                    RegisterBodyParams = ReadParams(defaults, "/register", "addBodyParams"),
                },
                ProtectedResourceMetadata = new ProtectedResourceMetadataConfig
                {
                    ResourceIdentifier = PrmString("resource_identifier"),
                    Audience = PrmString("audience"),
                    ScopesSupported = scopes,
                    AuthorizationServers = PrmList("authorization_servers"),
                    JwksUri = PrmString("jwks_uri"),
                    BearerMethodsSupported = PrmList("bearer_methods_supported"),
                },
                Provider = new ProviderConfig
                {
                    Type = String(provider, "provider", "type"),
                    Issuer = String(provider, "provider", "issuer"),
                    BaseUrl = String(provider, "provider", "base_url"),
                    Realm = String(provider, "provider", "realm"),
                    Domain = String(provider, "provider", "domain"),
                    TenantId = String(provider, "provider", "tenant_id"),
                    OrgName = String(provider, "provider", "org_name"),
                },
                TokenValidation = new TokenValidationConfig
                {
                    Issuer = String(validation, "token_validation", "issuer") ?? String(prm, "protected_resource_metadata", "issuer"),
                    ClockSkewSeconds = Int(validation, "token_validation", "clock_skew_seconds"),
                    Algorithms = StringList(validation, "token_validation", "algorithms"),
                    JwksRefreshSeconds = Int(validation, "token_validation", "jwks_refresh_seconds"),
                    CacheSeconds = Int(validation, "token_validation", "cache_seconds"),
                    RequireHttpsMetadata = Bool(validation, "token_validation", "require_https_metadata"),
                    RequireAtJwt = Bool(validation, "token_validation", "require_at_jwt"),
                    Introspection = new IntrospectionConfig
                    {
                        Endpoint = String(introspection, "token_validation.introspection", "endpoint"),
                        ClientId = String(introspection, "token_validation.introspection", "client_id"),
                        ClientSecret = String(introspection, "token_validation.introspection", "client_secret"),
                        ClientSecretEnv = String(introspection, "token_validation.introspection", "client_secret_env"),
                        CacheSeconds = Int(introspection, "token_validation.introspection", "cache_seconds"),
                    },
                },
                UpstreamAuth = new UpstreamAuthConfig
                {
                    Header = String(upstreamAuth, "upstream_auth", "header"),
                    ValuePrefix = String(upstreamAuth, "upstream_auth", "value_prefix"),
                    ValueFile = String(upstreamAuth, "upstream_auth", "value_file"),
                    ValueEnv = String(upstreamAuth, "upstream_auth", "value_env"),
                },
                AuthorizationProxy = new AuthorizationProxyConfig
                {
                    ClientId = String(front, "authorization_proxy", "client_id"),
                    ClientSecret = String(front, "authorization_proxy", "client_secret"),
                    ClientSecretEnv = String(front, "authorization_proxy", "client_secret_env"),
                    ClientAuth = String(front, "authorization_proxy", "client_auth"),
                    CallbackPath = String(front, "authorization_proxy", "callback_path"),
                    ExtraScopes = StringList(front, "authorization_proxy", "extra_scopes").SelectMany(SplitScopes).ToList(),
                    ForwardResource = Bool(front, "authorization_proxy", "forward_resource"),
                    KeyEnv = String(front, "authorization_proxy", "key_env"),
                    ConsentDays = Int(front, "authorization_proxy", "consent_days"),
                    RegistrationRateLimit = Int(front, "authorization_proxy", "registration_rate_limit"),
                    ConsentRateLimit = Int(front, "authorization_proxy", "consent_rate_limit"),
                    ProviderTimeoutSeconds = Int(front, "authorization_proxy", "provider_timeout_seconds"),
                    ClientIdMetadataDocuments = Bool(front, "authorization_proxy", "client_id_metadata_documents"),
                },
                ScopeHierarchy = ReadHierarchy(root),
                HideUnauthorized = Bool(root, "", "hide_unauthorized"),
                MaxSessionsPerSubject = Int(root, "", "max_sessions_per_subject"),
                MaxBodyBytes = Long(root, "", "max_body_bytes"),
                TrustedProxies = StringList(root, "", "trusted_proxies"),
                ShutdownGraceSeconds = Int(root, "", "shutdown_grace_seconds"),
                StreamIdleTimeoutSeconds = Int(root, "", "stream_idle_timeout_seconds"),
            };
        }

        private Dictionary<string, IReadOnlyList<string>> ReadHierarchy(Dictionary<string, object?> root)
        {
            var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            var map = Map(root, "scope_hierarchy");
            foreach (var (scope, implied) in map ?? [])
            {
                var list = StringList(map, "scope_hierarchy", scope);
                if (list.Count == 0)
                {
                    Errors.Add(new ConfigProblem($"scope_hierarchy.{scope}", "implies no scope", $"write e.g. '{scope}: [\"mcp:tools\"]' or remove it"));
                }

                result[scope] = list.SelectMany(SplitScopes).ToList();
            }

            return result;
        }

        private OrgClientConfig ReadOrgClient(Dictionary<string, object?>? map, string prefix) => new()
        {
            OrgName = String(map, prefix, "org_name"),
            ClientId = String(map, prefix, "client_id"),
            ClientSecret = String(map, prefix, "client_secret"),
            ApiBaseUrl = String(map, prefix, "api_base_url"),
        };

        private Dictionary<string, object?>? ReadAsResponse(Dictionary<string, object?>? defaults)
        {
            if (defaults is null || !defaults.TryGetValue("path", out var pathNode) || pathNode is null)
            {
                return null;
            }

            if (pathNode is not Dictionary<string, object?> pathMap)
            {
                Errors.Add(new ConfigProblem("default.path", $"must be a mapping of paths, not '{Describe(pathNode)}'", "write e.g. 'path: { /authorize: { addQueryParams: [...] } }' or remove it"));
                return null;
            }

            return pathMap.TryGetValue("/.well-known/oauth-authorization-server", out var wellKnown)
                && wellKnown is Dictionary<string, object?> wk && wk.TryGetValue("response", out var response)
                && response is Dictionary<string, object?> responseMap
                ? responseMap
                : null;
        }

        private List<KeyValuePair<string, string>> ReadParams(Dictionary<string, object?>? defaults, string path, string listKey)
        {
            var result = new List<KeyValuePair<string, string>>();
            if (defaults?.GetValueOrDefault("path") is not Dictionary<string, object?> paths
                || paths.GetValueOrDefault(path) is not Dictionary<string, object?> pathConfig
                || pathConfig.GetValueOrDefault(listKey) is not { } node)
            {
                return result;
            }

            var key = $"default.path.{path}.{listKey}";
            if (node is not List<object?> items)
            {
                Errors.Add(new ConfigProblem(key, "must be a list of name/value pairs", $"write '{listKey}: [ {{ name: audience, value: my-api }} ]'"));
                return result;
            }

            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is Dictionary<string, object?> item && item.GetValueOrDefault("name") is string name && name.Length > 0)
                {
                    result.Add(new(name, item.GetValueOrDefault("value") as string ?? ""));
                }
                else
                {
                    Errors.Add(new ConfigProblem($"{key}[{i}]", "needs a name and a value", "write '- name: audience' and '  value: my-api'"));
                }
            }

            return result;
        }

        private ScopeRules ReadScopes(object? node, string key)
        {
            var methods = new Dictionary<string, MethodScopeRule>(StringComparer.Ordinal);
            if (node is null)
            {
                return ScopeRules.Empty;
            }

            // open-mcp-auth-proxy writes a list of single-key maps; the asgardeo README writes one map. Accept both.
            IEnumerable<KeyValuePair<string, object?>> entries;
            if (node is List<object?> list)
            {
                var flat = new List<KeyValuePair<string, object?>>();
                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i] is Dictionary<string, object?> item)
                    {
                        flat.AddRange(item);
                    }
                    else
                    {
                        Errors.Add(new ConfigProblem($"{key}[{i}]", $"'{list[i]}' is not a 'method: scope' entry",
                            "write e.g. '- tools/call: \"mcp:tools\"' or '- tools/call: [ { echo: \"mcp:echo\" } ]'"));
                    }
                }

                entries = flat;
            }
            else if (node is Dictionary<string, object?> map)
            {
                entries = map;
            }
            else
            {
                Errors.Add(new ConfigProblem(key, $"must be a list of 'method: scope' entries, not '{Describe(node)}'", "write e.g. 'scopes_supported: [ { initialize: \"mcp:init\" } ]'"));
                return ScopeRules.Empty;
            }

            foreach (var (method, value) in entries)
            {
                if (methods.ContainsKey(method))
                {
                    // open-mcp-auth-proxy: the first entry for a method wins.
                    Warnings.Add(new ConfigProblem($"{key}.{method}", "listed twice; the first entry is used", "merge the two entries"));
                    continue;
                }

                var methodScopes = new List<string>();
                var nameScopes = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
                switch (value)
                {
                    case string scope:
                        methodScopes.AddRange(SplitScopes(scope));
                        break;
                    case List<object?> items:
                        foreach (var item in items)
                        {
                            switch (item)
                            {
                                case string s:
                                    methodScopes.AddRange(SplitScopes(s));
                                    break;
                                case Dictionary<string, object?> perName:
                                    foreach (var (name, scopeValue) in perName)
                                    {
                                        var scopes = scopeValue switch
                                        {
                                            string s1 => SplitScopes(s1),
                                            List<object?> l => l.OfType<string>().SelectMany(SplitScopes).ToList(),
                                            _ => null,
                                        };
                                        if (scopes is null || scopes.Count == 0)
                                        {
                                            Errors.Add(new ConfigProblem($"{key}.{method}.{name}", "has no scope",
                                                $"write e.g. '{name}: \"mcp:{name}\"' or a list of scopes"));
                                        }
                                        else
                                        {
                                            nameScopes[name] = scopes;
                                        }
                                    }

                                    break;
                                default:
                                    Errors.Add(new ConfigProblem($"{key}.{method}", $"'{item}' is neither a scope nor a 'name: scope' map",
                                        "write e.g. '- echo_tool: \"mcp_echo_tool\"'"));
                                    break;
                            }
                        }

                        break;
                    default:
                        Errors.Add(new ConfigProblem($"{key}.{method}", "has no scope",
                            $"write e.g. '{method}: \"mcp:scope\"' or remove the entry"));
                        break;
                }

                methods[method] = new MethodScopeRule(methodScopes, nameScopes);
            }

            return new ScopeRules(methods);
        }

        private static List<string> SplitScopes(string value) => value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();

        private Dictionary<string, object?>? Map(Dictionary<string, object?> root, string key)
        {
            if (!root.TryGetValue(key, out var value) || value is null)
            {
                return null;
            }

            if (value is Dictionary<string, object?> map)
            {
                return map;
            }

            Errors.Add(new ConfigProblem(key, $"must be a mapping of keys, not '{Describe(value)}'", $"indent the keys of '{key}:' under it, or remove '{key}'"));
            return null;
        }

        private string? String(Dictionary<string, object?>? map, string prefix, string key)
        {
            if (map is null || !map.TryGetValue(key, out var value) || value is null)
            {
                return null;
            }

            if (value is string s)
            {
                return s.Length == 0 ? null : s;
            }

            Errors.Add(new ConfigProblem(Join(prefix, key), $"must be a single value, not '{Describe(value)}'", $"write '{key}: \"value\"'"));
            return null;
        }

        private int? Int(Dictionary<string, object?>? map, string prefix, string key) =>
            (int?)WholeNumber(map, prefix, key, int.MinValue, int.MaxValue, "8080");

        private long? Long(Dictionary<string, object?>? map, string prefix, string key) =>
            WholeNumber(map, prefix, key, long.MinValue, long.MaxValue, "4194304");

        private long? WholeNumber(Dictionary<string, object?>? map, string prefix, string key, long min, long max, string example)
        {
            var text = String(map, prefix, key);
            if (text is null)
            {
                return null;
            }

            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            Errors.Add(new ConfigProblem(Join(prefix, key), $"'{text}' is not a whole number", $"write e.g. '{key}: {example}'"));
            return null;
        }

        private bool? Bool(Dictionary<string, object?>? map, string prefix, string key)
        {
            var text = String(map, prefix, key);
            if (text is null)
            {
                return null;
            }

            switch (text.ToLowerInvariant())
            {
                case "true" or "yes" or "on" or "1":
                    return true;
                case "false" or "no" or "off" or "0":
                    return false;
                default:
                    Errors.Add(new ConfigProblem(Join(prefix, key), $"'{text}' is not true or false", $"write '{key}: true' or '{key}: false'"));
                    return null;
            }
        }

        private IReadOnlyList<string> StringList(Dictionary<string, object?>? map, string prefix, string key)
        {
            if (map is null || !map.TryGetValue(key, out var value) || value is null)
            {
                return [];
            }

            if (value is string single)
            {
                return single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }

            if (value is List<object?> list)
            {
                var result = new List<string>();
                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i] is string s)
                    {
                        result.Add(s);
                    }
                    else if (list[i] is not null)
                    {
                        Errors.Add(new ConfigProblem($"{Join(prefix, key)}[{i}]", $"must be a single value, not '{Describe(list[i])}'", "write each item as '- \"value\"'"));
                    }
                }

                return result;
            }

            Errors.Add(new ConfigProblem(Join(prefix, key), "must be a list", $"write '{key}:' followed by lines '  - \"value\"'"));
            return [];
        }

        private Dictionary<string, string> StringMap(Dictionary<string, object?> root, string key)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            var map = Map(root, key);
            if (map is null)
            {
                return result;
            }

            foreach (var (from, to) in map)
            {
                if (to is string s)
                {
                    result[from] = s;
                }
                else
                {
                    Errors.Add(new ConfigProblem($"{key}.{from}", "must map a path to a path", $"write '{from}: /upstream/path'"));
                }
            }

            return result;
        }

        private static string Join(string prefix, string key) => prefix.Length == 0 ? key : $"{prefix}.{key}";

        private static string Describe(object? value) => value switch
        {
            Dictionary<string, object?> => "a mapping",
            List<object?> => "a list",
            _ => $"{value}",
        };
    }
}
