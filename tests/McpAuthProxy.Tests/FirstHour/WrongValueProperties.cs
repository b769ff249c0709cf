using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using McpAuthProxy.Gateway.Configuration;

namespace McpAuthProxy.Tests.FirstHour;

/// <summary>
/// Every option and every config.yaml key, given values of the wrong kind (CsCheck generates them): one line on stderr
/// that names the option or key, no stack trace, exit 1. Run in-process (Cli.RunAsync is the executable's Main), so a
/// few thousand command lines take seconds.
/// </summary>
public sealed class WrongValueProperties
{
    private const string Server = "https://mcp.example.com/mcp";

    private static readonly Gen<string> Word = Gen.Char['a', 'z'].Array[1, 10].Select(c => new string(c));

    /// <summary>Anything a user might paste: spaces, quotes, punctuation, non-ASCII, a newline; never empty, never a flag.</summary>
    private static readonly Gen<string> Junk = Gen.Char[" abcxyz0129.:/\\\"'?#%&=+~é\n\t@[]{}"].Array[1, 16].Select(c => new string(c))
        .Where(s => s.Trim().Length > 0 && !s.TrimStart().StartsWith('-'));

    private static readonly Gen<string> NotPositiveWhole = Gen.OneOf(
        Word, Junk.Where(s => !int.TryParse(s, out var n) || n <= 0),
        Gen.Int[int.MinValue, 0].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Long[(long)int.MaxValue + 1, long.MaxValue].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Const("1.5"), Gen.Const("12abc"), Gen.Const("1e3"));

    private static readonly Gen<string> NotPort = Gen.OneOf(
        Word, Junk.Where(s => !int.TryParse(s, out var n) || n is < 0 or > 65535),
        Gen.Int[65536, int.MaxValue].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Int[int.MinValue, -1].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Not an absolute http(s) URL.</summary>
    private static readonly Gen<string> NotHttpUrl = Gen.OneOf(Word, Junk, Word.Select(w => $"ftp://{w}.example.com/"), Word.Select(w => $"{w}.example.com/mcp"))
        .Where(s => !(Uri.TryCreate(s.Trim(), UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && u.Host.Length > 0));

    private static Gen<string> WordExcept(params string[] valid) => Gen.OneOf(Word, Junk).Where(w => !valid.Contains(w.Trim().ToLowerInvariant()));

    /// <summary>An option, the command it belongs to, the rest of a command line that works, and values it refuses.</summary>
    public sealed record OptionCase(string[] Command, string Option, string[] Rest, Gen<string> Wrong)
    {
        public override string ToString() => string.Join(' ', [.. Command, Option]);
    }

    private static string[] Without(string[] rest, string option)
    {
        var index = Array.IndexOf(rest, option);
        return index < 0 ? rest : [.. rest[..index], .. rest[(index + 2)..]];
    }

    public static IEnumerable<OptionCase> OptionCases()
    {
        string[] bridge = [Server, "--oidc-issuer-url", "https://auth.example.com", "--oidc-client-id", "c"];
        string[] login = ["--oidc-issuer-url", "https://auth.example.com", "--oidc-client-id", "c"];
        var bridgeOptions = new (string Option, Gen<string> Wrong)[]
        {
            ("--login-timeout", NotPositiveWhole),
            ("--sign-in-wait", NotPositiveWhole),
            ("--oidc-issuer-url", NotHttpUrl),
            ("--oidc-redirect-url", Gen.OneOf(NotHttpUrl, Word.Select(w => $"http://{w}.example.com/callback"), Gen.Const("https://127.0.0.1:8080/callback"))),
            ("--client-metadata-url", Gen.OneOf(NotHttpUrl, Word.Select(w => $"http://{w}.example.com/client.json"), Word.Select(w => $"https://{w}.example.com"))),
            ("--resource", Gen.OneOf(Word, Word.Select(w => $"https://{w}.example.com/mcp#frag"), Word.Select(w => $"{w}/relative"))),
            ("--transport", WordExcept("auto", "streamable-http", "streamablehttp", "http", "sse")),
            ("--auth-flow", WordExcept("browser", "device", "device-code", "client-credentials", "client_credentials")),
            ("--header", Junk.Where(h => h.IndexOf(':', StringComparison.Ordinal) <= 0)),
            ("--client-private-key", Word.Select(w => $"/nonexistent/{w}.pem")),
        };
        foreach (var (command, rest) in new (string[], string[])[] { ([], bridge), (["connect"], bridge), (["login"], login) })
        {
            foreach (var (option, wrong) in bridgeOptions)
            {
                yield return new OptionCase(command, option, Without(rest, option), wrong);
            }
        }

        yield return new OptionCase(["dev-idp"], "--port", [], NotPort);
        yield return new OptionCase(["demo"], "--idp-port", [], NotPort);
        yield return new OptionCase(["demo"], "--gateway-port", [], NotPort);
        yield return new OptionCase(["gateway"], "--listen", [], Gen.OneOf(Word, Junk, Gen.Const("127.0.0.1:9090"), Gen.Const("http://127.0.0.1:9090/mcp")).Where(s => !s.Contains("://", StringComparison.Ordinal) || s.EndsWith("/mcp", StringComparison.Ordinal)));
        yield return new OptionCase(["gateway"], "--urls", [], Gen.OneOf(Word, Gen.Const("127.0.0.1:9090")));
        yield return new OptionCase(["gateway"], "--config", [], Word.Select(w => $"/nonexistent/{w}.yaml"));
    }

    public static TheoryData<OptionCase> Options() => [.. OptionCases()];

    private static void AssertOneLine(CliResult result, params string[] mustName)
    {
        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}; stderr: {result.Error}");
        var line = Assert.Single(result.ErrorLines);
        Assert.DoesNotContain("   at ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", line, StringComparison.Ordinal);
        foreach (var name in mustName)
        {
            Assert.Contains(ConfigProblem.OneLine(name), line, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Options))]
    public async Task An_option_given_a_value_of_the_wrong_kind_gets_one_line_naming_it_and_the_value(OptionCase option)
    {
        await option.Wrong.SampleAsync(async value =>
        {
            var result = await CliRun.RunAsync([.. option.Command, option.Option, value, .. option.Rest]);

            AssertOneLine(result, option.Option, value.Trim());
            Assert.Empty(result.Output);
        }, iter: 25);
    }

    [Theory]
    [MemberData(nameof(Options))]
    public async Task An_option_without_its_value_says_what_value_it_takes(OptionCase option)
    {
        var result = await CliRun.RunAsync([.. option.Command, .. option.Rest, option.Option]);

        AssertOneLine(result, option.Option, "needs a value", "e.g.");
    }

    [Theory]
    [MemberData(nameof(Options))]
    public async Task A_misspelled_option_is_named_as_unknown(OptionCase option)
    {
        var known = Cli().SelectMany(c => c.Options).SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
        var misspelled = Gen.Int[2, option.Option.Length - 1].SelectMany(i => Gen.OneOf(
            Gen.Const(option.Option.Remove(i, 1)),
            Gen.Char['a', 'z'].Select(c => option.Option.Insert(i, c.ToString())),
            Gen.Const(i + 1 < option.Option.Length ? option.Option[..i] + option.Option[i + 1] + option.Option[i] + option.Option[(i + 2)..] : option.Option + "x")))
            .Where(m => !known.Contains(m) && m.Length > 2);

        await misspelled.SampleAsync(async typo =>
        {
            var result = await CliRun.RunAsync([.. option.Command, typo, "x", .. option.Rest]);

            AssertOneLine(result, $"unknown option '{typo}'");
        }, iter: 10);
    }

    private static IEnumerable<System.CommandLine.Command> Cli()
    {
        var root = McpAuthProxy.Commands.Cli.Build();
        return root.Subcommands.Prepend(root);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // config.yaml

    /// <summary>What a key holds, and so which values are of the wrong kind.</summary>
    public enum Kind
    {
        Text, Whole, Bool, Url, Path, Choice, List, Map,

        /// <summary>open-mcp-auth-proxy's scope rules: a list of single-key maps, or one map.</summary>
        Rules,
    }

    /// <summary>Every key the loader reads. A key added to the loader without a kind here fails <see cref="Every_key_has_a_kind"/>.</summary>
    private static readonly Dictionary<string, Kind> KeyKinds = new(StringComparer.Ordinal)
    {
        ["proxy_base_url"] = Kind.Url,
        ["listen_port"] = Kind.Whole,
        ["listen_host"] = Kind.Text,
        ["base_url"] = Kind.Url,
        ["port"] = Kind.Whole,
        ["timeout_seconds"] = Kind.Whole,
        ["mode"] = Kind.Choice,
        ["transport_mode"] = Kind.Choice,
        ["paths"] = Kind.Map,
        ["stdio"] = Kind.Map,
        ["path_mapping"] = Kind.Map,
        ["cors"] = Kind.Map,
        ["demo"] = Kind.Map,
        ["asgardeo"] = Kind.Map,
        ["default"] = Kind.Map,
        ["protected_resource_metadata"] = Kind.Map,
        ["provider"] = Kind.Map,
        ["token_validation"] = Kind.Map,
        ["upstream_auth"] = Kind.Map,
        ["scope_hierarchy"] = Kind.Map,
        ["max_body_bytes"] = Kind.Whole,
        ["shutdown_grace_seconds"] = Kind.Whole,
        ["stream_idle_timeout_seconds"] = Kind.Whole,
        ["authorization_proxy"] = Kind.Map,
        ["trusted_proxies"] = Kind.List,
        ["hide_unauthorized"] = Kind.Bool,
        ["mcp_server_base_url"] = Kind.Text,
        ["mcp_paths"] = Kind.Map,
        ["paths.sse"] = Kind.Path,
        ["paths.messages"] = Kind.Path,
        ["paths.streamable_http"] = Kind.Path,
        ["stdio.enabled"] = Kind.Bool,
        ["stdio.user_command"] = Kind.Text,
        ["stdio.work_dir"] = Kind.Text,
        ["stdio.args"] = Kind.List,
        ["stdio.env"] = Kind.List,
        ["stdio.max_sessions"] = Kind.Whole,
        ["stdio.max_sessions_per_subject"] = Kind.Whole,
        ["stdio.shared_process"] = Kind.Bool,
        ["stdio.max_restarts"] = Kind.Whole,
        ["stdio.session_idle_seconds"] = Kind.Whole,
        ["cors.allowed_origins"] = Kind.List,
        ["cors.allowed_methods"] = Kind.List,
        ["cors.allowed_headers"] = Kind.List,
        ["cors.allow_credentials"] = Kind.Bool,
        ["demo.org_name"] = Kind.Text,
        ["demo.client_id"] = Kind.Text,
        ["demo.client_secret"] = Kind.Text,
        ["asgardeo.org_name"] = Kind.Text,
        ["asgardeo.client_id"] = Kind.Text,
        ["asgardeo.client_secret"] = Kind.Text,
        ["asgardeo.api_base_url"] = Kind.Url,
        ["asgardeo.resource_identifier"] = Kind.Url,
        ["asgardeo.scopes_supported"] = Kind.Rules,
        ["asgardeo.audience"] = Kind.Text,
        ["asgardeo.authorization_servers"] = Kind.List,
        ["asgardeo.jwks_uri"] = Kind.Url,
        ["asgardeo.bearer_methods_supported"] = Kind.List,
        ["default.base_url"] = Kind.Url,
        ["default.jwks_url"] = Kind.Url,
        ["default.path"] = Kind.Map,
        ["protected_resource_metadata.resource_identifier"] = Kind.Url,
        ["protected_resource_metadata.audience"] = Kind.Text,
        ["protected_resource_metadata.scopes_supported"] = Kind.Rules,
        ["protected_resource_metadata.authorization_servers"] = Kind.List,
        ["protected_resource_metadata.jwks_uri"] = Kind.Url,
        ["protected_resource_metadata.bearer_methods_supported"] = Kind.List,
        ["protected_resource_metadata.issuer"] = Kind.Url,
        ["provider.type"] = Kind.Choice,
        ["provider.issuer"] = Kind.Url,
        ["provider.base_url"] = Kind.Url,
        ["provider.realm"] = Kind.Text,
        ["provider.domain"] = Kind.Text,
        ["provider.tenant_id"] = Kind.Text,
        ["provider.org_name"] = Kind.Text,
        ["token_validation.issuer"] = Kind.Url,
        ["token_validation.clock_skew_seconds"] = Kind.Whole,
        ["token_validation.algorithms"] = Kind.List,
        ["token_validation.jwks_refresh_seconds"] = Kind.Whole,
        ["token_validation.cache_seconds"] = Kind.Whole,
        ["token_validation.require_https_metadata"] = Kind.Bool,
        ["token_validation.require_at_jwt"] = Kind.Bool,
        ["token_validation.introspection"] = Kind.Map,
        ["token_validation.introspection.endpoint"] = Kind.Url,
        ["token_validation.introspection.client_id"] = Kind.Text,
        ["token_validation.introspection.client_secret"] = Kind.Text,
        ["token_validation.introspection.client_secret_env"] = Kind.Text,
        ["token_validation.introspection.cache_seconds"] = Kind.Whole,
        ["upstream_auth.header"] = Kind.Text,
        ["upstream_auth.value_prefix"] = Kind.Text,
        ["upstream_auth.value_file"] = Kind.Text,
        ["upstream_auth.value_env"] = Kind.Text,
        ["authorization_proxy.client_id"] = Kind.Text,
        ["authorization_proxy.client_secret"] = Kind.Text,
        ["authorization_proxy.client_secret_env"] = Kind.Text,
        ["authorization_proxy.client_auth"] = Kind.Choice,
        ["authorization_proxy.callback_path"] = Kind.Path,
        ["authorization_proxy.extra_scopes"] = Kind.List,
        ["authorization_proxy.forward_resource"] = Kind.Bool,
        ["authorization_proxy.key_env"] = Kind.Text,
        ["authorization_proxy.consent_days"] = Kind.Whole,
        ["authorization_proxy.registration_rate_limit"] = Kind.Whole,
        ["authorization_proxy.consent_rate_limit"] = Kind.Whole,
        ["authorization_proxy.provider_timeout_seconds"] = Kind.Whole,
        ["authorization_proxy.client_id_metadata_documents"] = Kind.Bool,
    };

    /// <summary>Keys the loader knows only to warn about (open-mcp-auth-proxy 1.0's): any value is ignored.</summary>
    private static readonly string[] Ignored = ["mcp_server_base_url", "mcp_paths"];

    private static IEnumerable<string> LoaderKeys() =>
        GatewayConfigLoader.Keys.SelectMany(s => s.Value.Select(k => s.Key.Length == 0 ? k : $"{s.Key}.{k}"));

    public static TheoryData<string> ConfigKeys() => [.. LoaderKeys().Where(k => !Ignored.Contains(k))];

    [Fact]
    public void Every_key_has_a_kind() => Assert.DoesNotContain(LoaderKeys(), k => !KeyKinds.ContainsKey(k));

    /// <summary>Values that are not of the key's kind: a mapping or list where one value belongs, and scalars of the wrong form.</summary>
    private static Gen<JsonNode> WrongFor(string key) => KeyKinds[key] switch
    {
        Kind.Map => Gen.OneOf(Word.Select(w => (JsonNode)JsonValue.Create(w)), Word.Select(w => (JsonNode)new JsonArray(w))),
        Kind.Rules => Word.Select(w => (JsonNode)JsonValue.Create(w)),
        Kind.List => Word.Select(w => (JsonNode)new JsonObject { [w] = "x" }),
        var kind => Gen.OneOf(
            Word.Select(w => (JsonNode)new JsonObject { [w] = "x" }),
            Word.Select(w => (JsonNode)new JsonArray(w, "y")),
            kind switch
            {
                Kind.Whole => NotPositiveWhole.Where(s => !long.TryParse(s, out _)).Select(s => (JsonNode)JsonValue.Create(s)),
                Kind.Bool => WordExcept("true", "false", "yes", "no", "on", "off", "1", "0").Select(s => (JsonNode)JsonValue.Create(s)),
                Kind.Url => NotHttpUrl.Select(s => (JsonNode)JsonValue.Create(s)),
                Kind.Path => Word.Select(s => (JsonNode)JsonValue.Create(s)),
                Kind.Choice => WordExcept("sse", "streamable_http", "stdio", "default", "asgardeo", "demo", "oidc", "generic", "keycloak", "auth0", "entra",
                    "client_secret_basic", "client_secret_post").Select(s => (JsonNode)JsonValue.Create(s)),
                _ => Word.Select(w => (JsonNode)new JsonObject { [w] = "x" }),
            }),
    };

    /// <summary>A configuration that loads with no error and no warning; the key under test replaces or joins it.</summary>
    private static JsonObject BaseConfig() => new()
    {
        ["listen_port"] = 9090,
        ["base_url"] = "http://127.0.0.1:8000",
        ["provider"] = new JsonObject { ["type"] = "oidc", ["issuer"] = "https://idp.example.com" },
    };

    /// <summary>Keys that only count together with others: those others, set right, so that only the key under test is wrong.</summary>
    private static IEnumerable<(string Key, JsonNode Value)> Companions(string key) => key switch
    {
        _ when key.StartsWith("token_validation.introspection.", StringComparison.Ordinal) =>
            [("token_validation.introspection.endpoint", "https://idp.example.com/introspect"), ("token_validation.introspection.client_id", "mcp-gateway")],
        _ when key.StartsWith("authorization_proxy.", StringComparison.Ordinal) => [("authorization_proxy.client_id", "mcp-gateway")],
        _ => [],
    };

    private static JsonObject With(string key, JsonNode value)
    {
        var config = BaseConfig();
        foreach (var (companion, companionValue) in Companions(key).Where(c => c.Key != key))
        {
            Set(config, companion, companionValue);
        }

        Set(config, key, value);
        return config;
    }

    private static void Set(JsonObject config, string key, JsonNode value)
    {
        var path = key.Split('.');
        var node = config;
        foreach (var part in path[..^1])
        {
            if (node[part] is not JsonObject child)
            {
                child = [];
                node[part] = child;
            }

            node = child;
        }

        node[path[^1]] = value;
    }

    [Fact]
    public async Task The_base_configuration_has_no_error_and_no_warning()
    {
        var result = GatewayConfigLoader.Load(BaseConfig().ToJsonString(), new Dictionary<string, string>());

        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        await Task.CompletedTask;
    }

    [Theory]
    [MemberData(nameof(ConfigKeys))]
    public async Task A_config_key_given_a_value_of_the_wrong_kind_gets_one_line_naming_the_key(string key)
    {
        var directory = Directory.CreateTempSubdirectory("first-hour-config-").FullName;
        await WrongFor(key).SampleAsync(async value =>
        {
            // YAML is a superset of JSON: the file is written as JSON, one of the forms users write (flow style).
            var path = Path.Combine(directory, Guid.NewGuid().ToString("N")[..8] + ".yaml");
            await File.WriteAllTextAsync(path, With(key, value).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

            var result = await CliRun.RunAsync("gateway", "--config", path, "--listen", "http://127.0.0.1:0");

            AssertOneLine(result, key.Split('.')[^1]);
            if (value is JsonValue scalar)
            {
                Assert.Contains(ConfigProblem.OneLine(scalar.GetValue<string>()), result.ErrorLines[0], StringComparison.Ordinal);
            }
        }, iter: 12);
    }
}
