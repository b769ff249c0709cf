using System.Net;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Tests.Security.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Configuration;

/// <summary>How scope rules for resources and <c>hide_unauthorized</c> are read, and what they do.</summary>
[Collection(nameof(SecurityCollection))]
public sealed class ScopeRuleConfigTests(SecurityFixture fixture)
{
    private static IReadOnlyList<ConfigProblem> Errors(string rules) => GatewayConfigLoader.Load($"""
        base_url: "http://localhost:8000"
        default:
          base_url: "https://idp.example.com"
        protected_resource_metadata:
          scopes_supported:
            - resources/read:
        {rules}
        """, new Dictionary<string, string>()).Errors;

    [Theory]
    [InlineData("FILE:///secret", "uppercase scheme")]
    [InlineData("file:///a/../secret", "'.' or '..'")]
    [InlineData("file://localhost/secret", "localhost")]
    [InlineData("file:///%73ecret", "percent-encodes")]
    public void A_resource_rule_in_a_non_canonical_spelling_is_an_error_naming_the_uri(string uri, string reason)
    {
        var error = Assert.Single(Errors($"      - \"{uri}\": \"mcp:admin\""));

        Assert.Equal($"protected_resource_metadata.scopes_supported.resources/read.{uri}", error.Key);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_canonical_resource_rule_loads()
    {
        Assert.Empty(Errors("      - \"file:///secret\": \"mcp:admin\"\n      - \"demo://notes/secret\": \"mcp:admin\""));
    }

    [Theory]
    [InlineData("hide_unauthorized: false", false)]
    [InlineData("hide_unauthorized: true", true)]
    [InlineData("", null)]
    public void Hide_unauthorized_is_read(string line, bool? expected)
    {
        var result = GatewayConfigLoader.Load($"""
            base_url: "http://localhost:8000"
            default:
              base_url: "https://idp.example.com"
            {line}
            """, new Dictionary<string, string>());

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(expected, result.Config!.HideUnauthorized);
    }

    [Fact]
    public async Task With_hide_unauthorized_false_a_guarded_tool_is_listed_and_its_call_gets_403_insufficient_scope()
    {
        await using var gateway = await AttackedGateway.StartAsync("ts/stdio", fixture.Idp, "hide_unauthorized: false");
        var session = await gateway.OpenAsync(fixture.Token());

        var tools = await session.ListAsync("tools/list");
        var prompts = await session.ListAsync("prompts/list");
        using var call = await session.SendAsync(session.Message("tools/call", """{"name":"admin_reset","arguments":{}}"""));

        Assert.Contains("admin_reset", tools.Text, StringComparison.Ordinal);
        Assert.Contains("secret_prompt", prompts.Text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, call.StatusCode);
        Assert.Contains("insufficient_scope", string.Join(", ", call.Headers.WwwAuthenticate), StringComparison.Ordinal);
        Assert.Contains("mcp:admin", string.Join(", ", call.Headers.WwwAuthenticate), StringComparison.Ordinal);
    }
}
