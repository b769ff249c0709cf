using System.Collections;
using System.Text.Json;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Tests.Security.Infrastructure;
using McpAuthProxy.Gateway.Upstreams.Stdio;

namespace McpAuthProxy.Gateway.Tests.Security.Secrets;

/// <summary>
/// Attack: read the gateway's secrets through the MCP server it spawns (a tool that returns its environment, as
/// server-everything's get-env does), with a token that may call tools.
/// </summary>
[Collection(nameof(SecurityCollection))]
public sealed class ChildEnvironmentTests(SecurityFixture fixture)
{
    public static TheoryData<string> StdioData => new(AttackTargets.Stdio);

    [Theory]
    [MemberData(nameof(StdioData))]
    public async Task The_environment_a_stdio_server_reads_back_holds_none_of_the_gateways_secrets(string target)
    {
        var attacker = await fixture.SessionAsync(target);

        var answer = await attacker.CallToolAsync("env");

        var text = JsonDocument.Parse(answer.Text).RootElement.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString()!;
        var environment = JsonSerializer.Deserialize<Dictionary<string, string>>(text)!;
        foreach (var (name, secret) in AttackTargets.GatewaySecrets)
        {
            Assert.False(environment.ContainsKey(name), $"{target}: the server sees {name}");
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        Assert.Equal("configured-for-the-server", environment["TARGET_MARKER"]);
        Assert.True(environment.ContainsKey("PATH"), "the rest of the environment is inherited");
    }

    [Fact]
    public void Every_variable_a_configuration_key_names_and_every_override_is_withheld()
    {
        var config = new GatewayConfig
        {
            Stdio = new StdioConfig { Env = ["PASSED=yes", "FRONT_KEY=given-on-purpose"] },
            UpstreamAuth = new UpstreamAuthConfig { ValueEnv = "UPSTREAM_TOKEN" },
            TokenValidation = new TokenValidationConfig { Introspection = new IntrospectionConfig { ClientSecretEnv = "INTROSPECTION_SECRET" } },
            AuthorizationProxy = new AuthorizationProxyConfig { ClientSecretEnv = "GATEWAY_CLIENT_SECRET", KeyEnv = "FRONT_KEY" },
        };
        var inherited = new Hashtable
        {
            ["UPSTREAM_TOKEN"] = "1",
            ["INTROSPECTION_SECRET"] = "2",
            ["GATEWAY_CLIENT_SECRET"] = "3",
            ["FRONT_KEY"] = "4",
            ["MCP_AUTH_PROXY_AUTHORIZATION_PROXY__CLIENT_SECRET"] = "5",
            ["mcp_auth_proxy_lower"] = "6",
            ["HOME"] = "/home/u",
        };

        var environment = ChildEnvironment.For(config, inherited);

        Assert.Equal(new Dictionary<string, string?> { ["HOME"] = "/home/u", ["PASSED"] = "yes", ["FRONT_KEY"] = "given-on-purpose" }, environment);
    }
}
