using McpAuthProxy.Gateway.Configuration;

namespace McpAuthProxy.Gateway.Tests.Security.Headers;

/// <summary>A CORS set-up that would let any web page use a user's credentials is refused at start, with the fix.</summary>
public sealed class CorsConfigurationTests
{
    private static ConfigLoadResult Load(string cors) => GatewayConfigLoader.Load($"""
        base_url: "http://localhost:8000"
        default:
          base_url: "https://idp.example.com"
        cors:
        {cors}
        """, new Dictionary<string, string>());

    [Fact]
    public void Any_origin_with_credentials_is_an_error_naming_the_fix()
    {
        var error = Assert.Single(Load("  allowed_origins: [\"*\"]\n  allow_credentials: true").Errors);

        Assert.Equal("cors.allowed_origins[0]", error.Key);
        Assert.Contains("allow_credentials", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_origin_without_credentials_is_a_warning()
    {
        var result = Load("  allowed_origins: [\"*\"]");

        Assert.True(result.Succeeded);
        Assert.Contains(result.Warnings, w => w.Key == "cors.allowed_origins[0]");
    }
}
