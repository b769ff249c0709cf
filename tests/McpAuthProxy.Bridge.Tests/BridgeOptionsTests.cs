namespace McpAuthProxy.Bridge.Tests;

public sealed class BridgeOptionsTests
{
    [Theory]
    [InlineData("https://x.example.com/sse", true)]
    [InlineData("https://x.example.com/sse/", true)]
    [InlineData("https://x.example.com/api/sse?x=1", true)]
    [InlineData("https://x.example.com/mcp", false)]
    [InlineData("https://x.example.com/sse-things", false)]
    public void Sse_is_chosen_by_the_path_as_authful_does(string url, bool sse)
    {
        var options = new BridgeOptions { ServerUrl = new Uri(url) };

        Assert.Equal(sse ? BridgeTransport.Sse : BridgeTransport.Auto, options.EffectiveTransport);
    }
}
