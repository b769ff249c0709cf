using McpAuthProxy.OAuth.Discovery;

namespace McpAuthProxy.OAuth.Tests.Discovery;

public sealed class BearerChallengeTests
{
    [Fact]
    public void Parameters_are_read_quoted_or_not()
    {
        var challenge = BearerChallenge.Parse(["Bearer error=\"insufficient_scope\", scope=\"mcp:tools mcp:admin\", resource_metadata=\"https://x/.well-known/oauth-protected-resource/mcp\", error_description=\"needs \\\"admin\\\"\""]);

        Assert.NotNull(challenge);
        Assert.Equal("insufficient_scope", challenge.Error);
        Assert.Equal("mcp:tools mcp:admin", challenge.Scope);
        Assert.Equal("https://x/.well-known/oauth-protected-resource/mcp", challenge.ResourceMetadata);
        Assert.Equal("needs \"admin\"", challenge.ErrorDescription);
    }

    [Fact]
    public void Other_schemes_are_ignored() =>
        Assert.Null(BearerChallenge.Parse(["Basic realm=\"x\"", "BearerX a=b"]));
}
