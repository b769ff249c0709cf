using System.Net;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Configuration;

/// <summary>The real <c>mcp-auth-proxy</c> executable of this build, run as a child process.</summary>
public sealed class ExecutableTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ChildProcess Start(params string[] arguments) =>
        ChildProcess.StartProxy(arguments, new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1" });

    [Fact]
    public async Task Gateway_command_with_single_dash_flags_serves_and_exits_0_on_sigterm()
    {
        await using var idp = await TestIdentityProvider.StartAsync();
        var directory = Directory.CreateTempSubdirectory("gateway-exe-").FullName;
        var config = Path.Combine(directory, "config.yaml");
        await File.WriteAllTextAsync(config, $"""
            listen_port: 8080
            base_url: "http://127.0.0.1:9"
            protected_resource_metadata:
              authorization_servers: ["{idp.Issuer}"]
            """, Ct);
        await using var gateway = Start("gateway", "-config", config, "-debug", "--urls", "http://127.0.0.1:0");

        var line = await gateway.WaitForStderrAsync(l => l.StartsWith("listening on ", StringComparison.Ordinal), Ct);
        using var http = new HttpClient();
        var unauthorized = await http.PostAsync(line["listening on ".Length..] + "/mcp", new StringContent(Mcp.Initialize), Ct);
        gateway.Terminate();

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(0, await gateway.WaitForExitAsync(Ct));
    }

    [Fact]
    public async Task Gateway_command_without_a_config_file_exits_1_and_says_how_to_fix_it()
    {
        var directory = Directory.CreateTempSubdirectory("gateway-exe-").FullName;
        await using var gateway = Start("gateway", "--config", Path.Combine(directory, "config.yaml"));

        var exitCode = await gateway.WaitForExitAsync(Ct);

        Assert.Equal(1, exitCode);
        Assert.Contains("--config", gateway.Stderr, StringComparison.Ordinal);
    }
}
