using System.Security.Claims;
using McpAuthProxy.Gateway.Authorization;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Transport;
using Infrastructure = McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Authorization;

public sealed class ScopePolicyTests
{
    private static GatewayConfig Load(string yaml)
    {
        var result = GatewayConfigLoader.Load("base_url: http://localhost:8000\ndefault: { base_url: 'https://idp.example.com' }\n" + yaml, new Dictionary<string, string>());
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return result.Config!;
    }

    private static ClaimsPrincipal User(params Claim[] claims) => new(new ClaimsIdentity(claims, "test"));

    private static JsonRpcBody Call(string tool) => JsonRpcBody.Parse(System.Text.Encoding.UTF8.GetBytes(Infrastructure.Mcp.ToolCall(tool)));

    [Fact]
    public void Broader_scope_implies_the_narrower_ones_through_scope_hierarchy()
    {
        var config = Load("""
            scope_hierarchy:
              "mcp:admin": ["mcp:write"]
              "mcp:write": ["mcp:read"]
            protected_resource_metadata:
              scopes_supported:
                - tools/call:
                  - read_tool: "mcp:read"
            """);
        var policy = new ScopePolicy(config.ProtectedResourceMetadata.ScopesSupported, config.ScopeHierarchy);

        var granted = policy.Effective(User(new Claim("scope", "mcp:admin")));

        Assert.Empty(policy.Missing(Call("read_tool"), granted));
        Assert.Equal(["mcp:read"], policy.Missing(Call("read_tool"), policy.Effective(User(new Claim("scope", "other")))));
    }

    [Theory]
    [InlineData("scope", "mcp:a mcp:b")]
    [InlineData("scp", "mcp:a mcp:b")]
    [InlineData("scope", """["mcp:a","mcp:b"]""")]
    public void Scopes_are_read_from_scope_or_scp_as_a_string_or_an_array(string claim, string value)
    {
        var granted = ScopePolicy.Granted(User(new Claim(claim, value)));

        Assert.Equal(["mcp:a", "mcp:b"], granted.Order());
    }

    [Fact]
    public void A_tool_listed_with_several_scopes_needs_all_of_them()
    {
        var config = Load("""
            protected_resource_metadata:
              scopes_supported:
                - tools/call:
                  - deploy: ["mcp:tools", "mcp:deploy"]
            """);
        var policy = new ScopePolicy(config.ProtectedResourceMetadata.ScopesSupported);

        Assert.Equal(["mcp:deploy"], policy.Missing(Call("deploy"), new HashSet<string> { "mcp:tools" }));
        Assert.Empty(policy.Missing(Call("deploy"), new HashSet<string> { "mcp:tools", "mcp:deploy" }));
        Assert.Empty(policy.Missing(Call("unlisted"), new HashSet<string>()));
    }
}
