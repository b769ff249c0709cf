using System.Net;
using McpAuthProxy.Bridge.Relay;
using McpAuthProxy.OAuth;

namespace McpAuthProxy.Bridge.Tests.Relay;

public sealed class RelayErrorsTests
{
    private static readonly Uri Server = new("https://mcp.example.com/mcp");

    [Fact]
    public void Server_error_keeps_its_code_and_message()
    {
        var detail = RelayErrors.From(new ModelContextProtocol.McpProtocolException("bad version", ModelContextProtocol.McpErrorCode.HeaderMismatch), Server);

        Assert.Equal((int)ModelContextProtocol.McpErrorCode.HeaderMismatch, detail.Code);
        Assert.Contains("bad version", detail.Message);
    }

    [Fact]
    public void Token_refused_after_renewal_without_a_resource_suggests_resource_with_the_server_url()
    {
        var refused = new HttpRequestException("401", null, HttpStatusCode.Unauthorized);

        var without = RelayErrors.From(refused, Server, resourceSent: false);
        var with = RelayErrors.From(refused, Server, resourceSent: true);

        Assert.Contains("--resource https://mcp.example.com/mcp", without.Message);
        Assert.DoesNotContain("--resource", with.Message);
    }

    [Fact]
    public void Sign_in_pending_says_where_to_sign_in()
    {
        var detail = RelayErrors.From(new SignInPendingException(new Uri("https://idp/authorize?x=1")), Server);

        Assert.Equal(RelayErrors.SignInPending, detail.Code);
        Assert.Contains("https://idp/authorize?x=1", detail.Message);
    }

    [Fact]
    public void Unreachable_server_is_named()
    {
        var detail = RelayErrors.From(new HttpRequestException("Connection refused"), Server);

        Assert.Equal(RelayErrors.UpstreamUnavailable, detail.Code);
        Assert.Equal("Cannot reach the MCP server https://mcp.example.com/mcp: Connection refused", detail.Message);
    }

    [Fact]
    public void Refused_token_says_what_to_do()
    {
        var detail = RelayErrors.From(new HttpRequestException("401", null, HttpStatusCode.Unauthorized), Server);

        Assert.Equal(RelayErrors.AuthorizationFailed, detail.Code);
        Assert.Contains("mcp-auth-proxy logout", detail.Message);
    }
}
