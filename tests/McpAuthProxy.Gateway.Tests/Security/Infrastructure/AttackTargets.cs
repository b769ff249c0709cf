using System.Collections.Concurrent;
using System.Text.Json;
using McpAuthProxy.Gateway.Hosting;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security.Infrastructure;

/// <summary>
/// The real MCP servers the security suite attacks through the gateway: the TypeScript SDK's (tests/e2e/target-server.mjs)
/// and the C# SDK's (tests/McpAuthProxy.TargetServer), each over HTTP and over stdio, stdio with a process per session and
/// with one shared process. Targets are named "ts/http", "cs/stdio", "ts/stdio-shared", ...
/// </summary>
public static class AttackTargets
{
    public static readonly string[] All = ["ts/http", "cs/http", "ts/stdio", "cs/stdio", "ts/stdio-shared", "cs/stdio-shared"];

    public static readonly string[] Http = ["ts/http", "cs/http"];

    public static readonly string[] Stdio = ["ts/stdio", "cs/stdio", "ts/stdio-shared", "cs/stdio-shared"];

    public static readonly string[] Shared = ["ts/stdio-shared", "cs/stdio-shared"];

    public static TheoryData<string> AllData => new(All);

    public static TheoryData<string> HttpData => new(Http);

    public static TheoryData<string> SharedData => new(Shared);

    /// <summary>The audience every gateway of the suite accepts, so one token works on all of them.</summary>
    public const string Audience = "urn:mcp-auth-proxy:security-suite";

    /// <summary>Secrets the gateway is configured with through environment variables; no MCP server may see them.</summary>
    public static readonly IReadOnlyDictionary<string, string> GatewaySecrets = new Dictionary<string, string>
    {
        ["SUITE_UPSTREAM_TOKEN"] = "upstream-token-9f3e1c",
        ["SUITE_INTROSPECTION_SECRET"] = "introspection-secret-47ab02",
        ["MCP_AUTH_PROXY_SUITE_MARKER"] = "override-secret-c0ffee",
    };

    /// <summary>The policy every gateway of the suite enforces.</summary>
    public const string PolicyYaml = """
        protected_resource_metadata:
          audience: "urn:mcp-auth-proxy:security-suite"
          scopes_supported:
            - tools/call:
              - echo: "mcp:tools"
              - env: "mcp:tools"
              - ask: "mcp:tools"
              - pid: "mcp:tools"
              - admin_reset: ["mcp:tools", "mcp:admin"]
            - resources/read:
              - "file:///secret": "mcp:admin"
              - "demo://notes/secret": "mcp:admin"
              - "file:///vault/x": "mcp:admin"
            - prompts/get:
              - secret_prompt: "mcp:admin"
        """;

    public static string TypeScriptServer => Path.Combine(RepoPaths.E2E, "target-server.mjs");

    /// <summary>The C# target's dll, in its own output folder (tests/McpAuthProxy.TargetServer/bin/&lt;Configuration&gt;/&lt;tfm&gt;/).</summary>
    public static string CSharpServer
    {
        get
        {
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var dll = Path.Combine(RepoPaths.Root, "tests", "McpAuthProxy.TargetServer", "bin", here.Parent!.Name, here.Name, "McpAuthProxy.TargetServer.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build tests/McpAuthProxy.TargetServer first.", dll);
        }
    }

    /// <summary>The command line that runs a target over stdio.</summary>
    public static string[] StdioCommand(string target) => target.StartsWith("ts/", StringComparison.Ordinal)
        ? [NodePeers.Node, TypeScriptServer, "--stdio"]
        : ["dotnet", CSharpServer];
}

/// <summary>A target MCP server on HTTP, in a child process on 127.0.0.1.</summary>
public sealed class HttpTarget : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private HttpTarget(ChildProcess process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    /// <summary>The server's origin, e.g. http://127.0.0.1:41234 (Streamable HTTP at /mcp, legacy SSE at /sse).</summary>
    public string BaseUrl { get; }

    public static async Task<HttpTarget> StartAsync(string target, IDictionary<string, string?>? environment = null)
    {
        NodePeers.RequireInstalled();
        var process = target.StartsWith("ts/", StringComparison.Ordinal)
            ? ChildProcess.Start(NodePeers.Node, [AttackTargets.TypeScriptServer, "--http"], environment, workingDirectory: RepoPaths.E2E)
            : ChildProcess.Start("dotnet", [AttackTargets.CSharpServer, "--http"], environment);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TestTimeouts.Default);
            var line = await process.ReadStdoutLineAsync(l => l.Contains("\"ready\"", StringComparison.Ordinal), timeout.Token);
            using var ready = JsonDocument.Parse(line);
            return new HttpTarget(process, ready.RootElement.GetProperty("base").GetString()!);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

/// <summary>A gateway enforcing <see cref="AttackTargets.PolicyYaml"/> in front of one target.</summary>
public sealed class AttackedGateway : IAsyncDisposable
{
    private readonly HttpTarget? _upstream;

    private AttackedGateway(string target, GatewayHost host, HttpTarget? upstream, LogCollector logs)
    {
        Target = target;
        Host = host;
        _upstream = upstream;
        Logs = logs;
    }

    public string Target { get; }

    public GatewayHost Host { get; }

    public LogCollector Logs { get; }

    /// <summary>The upstream's own address (HTTP targets only), for sending a spelling to the server directly.</summary>
    public string? UpstreamBaseUrl => _upstream?.BaseUrl;

    public string McpUrl => Host.BaseUrl.ToString().TrimEnd('/') + "/mcp";

    public string SseUrl => Host.BaseUrl.ToString().TrimEnd('/') + "/sse";

    /// <param name="extraYaml">More top-level keys.</param>
    /// <param name="tokenValidation">More keys under token_validation, e.g. "require_at_jwt: true".</param>
    /// <param name="stdio">More keys under stdio (stdio targets), e.g. "max_sessions_per_subject: 3".</param>
    public static async Task<AttackedGateway> StartAsync(string target, TestIdentityProvider idp, string extraYaml = "", string tokenValidation = "", string stdio = "")
    {
        var logs = new LogCollector();
        HttpTarget? upstream = null;
        string upstreamYaml;
        var typeScript = target.StartsWith("ts/", StringComparison.Ordinal);
        if (target.EndsWith("/http", StringComparison.Ordinal))
        {
            upstream = await HttpTarget.StartAsync(target);
            upstreamYaml = $"""
                base_url: "{upstream.BaseUrl}"
                transport_mode: streamable_http
                paths:
                  streamable_http: /mcp
                  sse: /sse
                  messages: {(typeScript ? "/messages" : "/message")}
                """;
        }
        else
        {
            var command = AttackTargets.StdioCommand(target);
            upstreamYaml = $"""
                transport_mode: stdio
                paths:
                  streamable_http: /mcp
                stdio:
                  enabled: true
                  user_command: "{command[0]}"
                  args: [{string.Join(", ", command.Skip(1).Select(a => $"\"{a}\""))}]
                  work_dir: "{RepoPaths.E2E}"
                  shared_process: {(target.EndsWith("-shared", StringComparison.Ordinal) ? "true" : "false")}
                  max_sessions: 64
                  env: ["TARGET_MARKER=configured-for-the-server"]
                  {stdio}
                """;
        }

        foreach (var (name, value) in AttackTargets.GatewaySecrets)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        try
        {
            var host = await GatewayFixture.StartGatewayAsync($"""
                {upstreamYaml}
                upstream_auth:
                  value_env: SUITE_UPSTREAM_TOKEN
                token_validation:
                  {tokenValidation}
                  introspection:
                    endpoint: "{idp.Issuer}/introspect"
                    client_id: gateway
                    client_secret_env: SUITE_INTROSPECTION_SECRET
                {AttackTargets.PolicyYaml}
                  authorization_servers: ["{idp.Issuer}"]
                {extraYaml}
                """, logs);
            return new AttackedGateway(target, host, upstream, logs);
        }
        catch
        {
            if (upstream is not null)
            {
                await upstream.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Opens an MCP session as the holder of <paramref name="token"/>.</summary>
    public Task<RawSession> OpenAsync(string token, bool elicitation = false) => RawSession.OpenAsync(McpUrl, token, elicitation);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }
}

/// <summary>One identity provider and, started on first use, one attacked gateway per target, shared by the suite.</summary>
public sealed class SecurityFixture : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<AttackedGateway>>> _gateways = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Target, string Scope), Lazy<Task<RawSession>>> _sessions = new();

    public TestIdentityProvider Idp { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Idp = await TestIdentityProvider.StartAsync();

    /// <summary>A token for the suite's gateways: <c>mcp:tools</c> by default, subject alice.</summary>
    public string Token(string scope = "mcp:tools", string subject = "alice") => Idp.Issue(AttackTargets.Audience, subject, scope);

    public string AdminToken(string subject = "root") => Token("mcp:tools mcp:admin", subject);

    public Task<AttackedGateway> GatewayAsync(string target) =>
        _gateways.GetOrAdd(target, t => new Lazy<Task<AttackedGateway>>(() => AttackedGateway.StartAsync(t, Idp))).Value;

    /// <summary>A session opened once per target: the attacker's (<c>mcp:tools</c> only) or the admin's.</summary>
    public Task<RawSession> SessionAsync(string target, bool admin = false) =>
        _sessions.GetOrAdd((target, admin ? "admin" : "tools"), key => new Lazy<Task<RawSession>>(async () =>
        {
            var gateway = await GatewayAsync(key.Target);
            return await gateway.OpenAsync(admin ? AdminToken() : Token());
        })).Value;

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in _gateways.Values.Where(g => g.IsValueCreated))
        {
            try
            {
                await (await gateway.Value).DisposeAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or HttpRequestException)
            {
            }
        }

        await Idp.DisposeAsync();
    }
}

[CollectionDefinition(nameof(SecurityCollection))]
public sealed class SecurityCollection : ICollectionFixture<SecurityFixture>;
