using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

// The client under test for `conformance client --command "dotnet McpAuthProxy.ConformanceDriver.dll"`: an MCP client
// over stdio (the C# SDK's, as a desktop client would be) that starts the real bridge with the server URL the suite
// appends, then does what the scenario expects (list tools, call them). The suite's authorization server redirects
// at once, so the bridge's browser is the stand-in browser, which just follows redirects to the loopback callback.
//   MCP_CONFORMANCE_SCENARIO, MCP_CONFORMANCE_CONTEXT, MCP_CONFORMANCE_PROTOCOL_VERSION: set by the suite.
//   CONFORMANCE_BRIDGE_DLL, CONFORMANCE_BROWSER: where the bridge and the stand-in browser are (defaults: beside this).
var server = args.Length > 0 ? args[^1] : throw new ArgumentException("usage: driver <server-url>");
var scenario = Environment.GetEnvironmentVariable("MCP_CONFORMANCE_SCENARIO") ?? "";
var here = AppContext.BaseDirectory;
var bridge = Environment.GetEnvironmentVariable("CONFORMANCE_BRIDGE_DLL") ?? Path.Combine(here, "mcp-auth-proxy.dll");
var browser = Environment.GetEnvironmentVariable("CONFORMANCE_BROWSER") ?? $"dotnet {Path.Combine(here, "McpAuthProxy.TestBrowser.dll")}";
var tokens = Path.Combine(Path.GetTempPath(), "mcp-auth-proxy-conformance", Guid.NewGuid().ToString("N")[..12]);

var bridgeArgs = new List<string> { bridge, server, "--token-dir", tokens, "--client-metadata-url", "https://conformance-test.local/client-metadata.json", "--debug" };
if (Environment.GetEnvironmentVariable("MCP_CONFORMANCE_CONTEXT") is { Length: > 0 } contextJson)
{
    using var context = JsonDocument.Parse(contextJson);
    if (context.RootElement.TryGetProperty("client_id", out var clientId))
    {
        bridgeArgs.AddRange(["--oidc-client-id", clientId.GetString()!]);
    }

    if (context.RootElement.TryGetProperty("client_secret", out var secret))
    {
        bridgeArgs.AddRange(["--oidc-client-secret", secret.GetString()!]);
    }

    if (context.RootElement.TryGetProperty("private_key_pem", out var pem))
    {
        var keyFile = Path.Combine(tokens, "client-key.pem");
        Directory.CreateDirectory(tokens);
        File.WriteAllText(keyFile, pem.GetString());
        bridgeArgs.AddRange(["--client-private-key", keyFile]);
    }

    if (scenario.StartsWith("auth/client-credentials", StringComparison.Ordinal))
    {
        bridgeArgs.AddRange(["--auth-flow", "client-credentials"]);
    }
}

var transport = new StdioClientTransport(new StdioClientTransportOptions
{
    Name = "bridge",
    Command = "dotnet",
    Arguments = bridgeArgs,
    EnvironmentVariables = new Dictionary<string, string?> { ["BROWSER"] = browser },
    StandardErrorLines = line => Console.Error.WriteLine("[bridge] " + line),
});

var options = new McpClientOptions
{
    ClientInfo = new Implementation { Name = "mcp-auth-proxy-conformance-driver", Version = "1.0.0" },
    Handlers = new McpClientHandlers
    {
        ElicitationHandler = (request, _) => ValueTask.FromResult(new ElicitResult { Action = "accept", Content = new Dictionary<string, JsonElement>() }),
    },
};
if (Environment.GetEnvironmentVariable("MCP_CONFORMANCE_PROTOCOL_VERSION") is { Length: > 0 } version)
{
    options.ProtocolVersion = version;
}

using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(55));
try
{
    await using var client = await McpClient.CreateAsync(transport, options, cancellationToken: timeout.Token);
    var tools = await client.ListToolsAsync(cancellationToken: timeout.Token);
    Console.Error.WriteLine($"[driver] {tools.Count} tools: {string.Join(", ", tools.Select(t => t.Name))}");
    foreach (var tool in tools)
    {
        var arguments = tool.Name switch
        {
            "add_numbers" => new Dictionary<string, object?> { ["a"] = 5, ["b"] = 10 },
            _ => new Dictionary<string, object?>(),
        };
        if (tool.Name is "test-tool" or "add_numbers" || scenario is "tools_call")
        {
            var result = await client.CallToolAsync(tool.Name, arguments, cancellationToken: timeout.Token);
            Console.Error.WriteLine($"[driver] {tool.Name}: {JsonSerializer.Serialize(result.Content.Select(c => (c as TextContentBlock)?.Text))}");
        }
    }

    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"[driver] failed: {e.GetType().Name}: {e.Message}");
    return 1;
}
finally
{
    try
    {
        Directory.Delete(tokens, recursive: true);
    }
    catch (IOException)
    {
    }
    catch (UnauthorizedAccessException)
    {
    }
}
