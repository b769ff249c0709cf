using System.Collections.Concurrent;
using System.Text.Json;
using McpAuthProxy.OAuth.Tokens;
using McpAuthProxy.Testing;
using ModelContextProtocol.Client;

namespace McpAuthProxy.Tests.Infrastructure;

/// <summary>
/// One user's machine for bridge tests: a private home folder (token cache inside), a stand-in browser named in
/// $BROWSER that logs each URL it is sent to, and helpers to start the real bridge executable under a real MCP client.
/// </summary>
public sealed class BridgeRun : IDisposable
{
    private readonly ConcurrentQueue<string> _stderr = new();

    public BridgeRun(ITestOutputHelper? output = null)
    {
        Output = output;
        Directory.CreateDirectory(Dir);
    }

    public ITestOutputHelper? Output { get; }

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "mcp-auth-proxy-tests", Guid.NewGuid().ToString("N")[..12]);

    public string Home => Dir;

    /// <summary>The default token folder under this run's home.</summary>
    public string TokenDir => Path.Combine(Home, ".mcp", "authful_mcp_proxy", "tokens");

    public string BrowserLog => Path.Combine(Dir, "browser.log");

    /// <summary>How often the stand-in browser was opened.</summary>
    public int BrowserOpens => File.Exists(BrowserLog) ? File.ReadLines(BrowserLog).Count(l => l.Contains(" open ", StringComparison.Ordinal)) : 0;

    public string Stderr => string.Join('\n', _stderr);

    public IReadOnlyCollection<string> StderrLines => _stderr.ToArray();

    /// <summary>Extra environment for the bridge and the browser it starts.</summary>
    public Dictionary<string, string?> Environment { get; } = new();

    public Dictionary<string, string?> BuildEnvironment()
    {
        var env = new Dictionary<string, string?>
        {
            ["HOME"] = Home,
            ["USERPROFILE"] = Home,
            ["BROWSER"] = RepoPaths.BrowserCommand,
            ["TEST_BROWSER_LOG"] = BrowserLog,
            ["OIDC_ISSUER_URL"] = null,
            ["OIDC_CLIENT_ID"] = null,
            ["OIDC_CLIENT_SECRET"] = null,
            ["OIDC_SCOPES"] = null,
            ["OIDC_REDIRECT_URL"] = null,
            ["MCP_BACKEND_URL"] = null,
            ["MCP_PROXY_DEBUG"] = null,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        foreach (var (k, v) in Environment)
        {
            env[k] = v;
        }

        return env;
    }

    /// <summary>The usual arguments: the server, our stack's issuer, the public client, an ephemeral redirect port.</summary>
    public static string[] Args(NodeStack stack, Uri? server = null, params string[] extra) =>
    [
        (server ?? stack.Mcp).AbsoluteUri,
        "--oidc-issuer-url", stack.IssuerText,
        "--oidc-client-id", "mcp-public",
        "--oidc-redirect-url", "http://127.0.0.1:0/auth/callback",
        .. extra,
    ];

    /// <summary>Starts the bridge under the C# SDK's MCP client over stdio, as a desktop client does.</summary>
    public Task<McpClient> ConnectAsync(string[] arguments, CancellationToken cancellationToken, McpClientOptions? options = null) =>
        ConnectAsync("dotnet", [RepoPaths.ProxyDll, .. arguments], cancellationToken, options);

    /// <summary>Starts <paramref name="command"/> as a desktop client's configuration names it ("command", "args").</summary>
    public async Task<McpClient> ConnectAsync(string command, string[] arguments, CancellationToken cancellationToken, McpClientOptions? options = null)
    {
        var env = BuildEnvironment();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "bridge",
            Command = command,
            Arguments = arguments,
            EnvironmentVariables = env,
            StandardErrorLines = line =>
            {
                _stderr.Enqueue(line);
                Output?.WriteLine("[bridge] " + line);
            },
            ShutdownTimeout = TimeSpan.FromSeconds(5),
        });
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TestTimeouts.Default);
        return await McpClient.CreateAsync(transport, options, cancellationToken: limit.Token);
    }

    /// <summary>Starts the bridge as a bare child process, to speak raw JSON-RPC lines to it.</summary>
    public ChildProcess StartRaw(string[] arguments) =>
        ChildProcess.StartProxy(arguments, BuildEnvironment(), line => Output?.WriteLine(line));

    /// <summary>The one token file in the cache.</summary>
    public string TokenFile(NodeStack stack) => Path.Combine(TokenDir, FileTokenStore.FileNameFor(stack.IssuerText));

    public CachedToken ReadToken(NodeStack stack) =>
        JsonSerializer.Deserialize<CachedToken>(File.ReadAllText(TokenFile(stack))) ?? throw new InvalidOperationException("empty token file");

    public void WriteToken(NodeStack stack, CachedToken token) =>
        File.WriteAllText(TokenFile(stack), JsonSerializer.Serialize(token));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
