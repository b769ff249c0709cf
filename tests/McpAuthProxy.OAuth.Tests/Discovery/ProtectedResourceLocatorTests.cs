using McpAuthProxy.OAuth.Discovery;

namespace McpAuthProxy.OAuth.Tests.Discovery;

public sealed class ProtectedResourceLocatorTests
{
    [Theory]
    [InlineData("https://mcp.example.com/mcp", "https://mcp.example.com/mcp")]
    [InlineData("https://mcp.example.com/mcp/", "https://mcp.example.com/mcp")]
    [InlineData("https://mcp.example.com", "https://mcp.example.com/mcp")]
    [InlineData("HTTPS://MCP.example.com/mcp", "https://mcp.example.com/mcp")]
    public void Resource_that_names_this_server_is_accepted(string resource, string server) =>
        ProtectedResourceLocator.EnsureAbout(resource, new Uri(server));

    [Theory]
    [InlineData("https://other.example.com/mcp", "https://mcp.example.com/mcp")]
    [InlineData("https://mcp.example.com/other", "https://mcp.example.com/mcp")]
    [InlineData("https://mcp.example.com/mcpx", "https://mcp.example.com/mcp")]
    public void Resource_of_another_server_is_refused(string resource, string server)
    {
        var e = Assert.Throws<OAuthException>(() => ProtectedResourceLocator.EnsureAbout(resource, new Uri(server)));
        Assert.Contains("refusing", e.Message);
    }

    [Theory]
    [InlineData("http://localhost:8000/mcp", "http://127.0.0.1:8000/mcp", "http://localhost:8000/mcp")]
    [InlineData("http://127.0.0.1:8000/mcp", "http://localhost:8000/mcp", "http://127.0.0.1:8000/mcp")]
    [InlineData("http://[::1]:8000/mcp", "http://localhost:8000/mcp", "http://[::1]:8000/mcp")]
    public void Loopback_spelled_another_way_says_which_spelling_to_use(string resource, string server, string use)
    {
        var e = Assert.Throws<OAuthException>(() => ProtectedResourceLocator.EnsureAbout(resource, new Uri(server)));

        Assert.Contains($"Use the server's spelling: {use}", e.Message);
    }

    [Fact]
    public void Well_known_locations_come_path_inserted_first()
    {
        Assert.Equal(
            ["https://mcp.example.com/.well-known/oauth-protected-resource/api/mcp", "https://mcp.example.com/.well-known/oauth-protected-resource"],
            ProtectedResourceLocator.WellKnown(new Uri("https://mcp.example.com/api/mcp")).Select(u => u.AbsoluteUri));
    }
}
