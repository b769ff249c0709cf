using System.Net;
using McpAuthProxy.Gateway.Diagnostics;

namespace McpAuthProxy.Gateway.Tests.Diagnostics;

public sealed class DiagnosticsOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1:9464", "127.0.0.1:9464")]
    [InlineData("localhost:9000", "127.0.0.1:9000")]
    [InlineData("0.0.0.0:9464", "0.0.0.0:9464")]
    [InlineData("[::1]:9464", "[::1]:9464")]
    [InlineData("http://127.0.0.1:9464", "127.0.0.1:9464")]
    public void A_listen_address_is_host_and_port(string value, string expected)
    {
        Assert.True(DiagnosticsOptions.TryParseListen(value, out var listen, out var error));
        Assert.Null(error);
        Assert.Equal(IPEndPoint.Parse(expected), listen);
    }

    [Theory]
    [InlineData("off")]
    [InlineData("")]
    [InlineData(null)]
    public void Off_turns_the_listener_off(string? value)
    {
        Assert.True(DiagnosticsOptions.TryParseListen(value, out var listen, out _));
        Assert.Null(listen);
    }

    [Theory]
    [InlineData("9464")]
    [InlineData("metrics.example.com:9464")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1:")]
    public void Anything_else_is_refused_with_the_fix(string value)
    {
        Assert.False(DiagnosticsOptions.TryParseListen(value, out _, out var error));
        Assert.StartsWith($"diagnostics.listen '{value}'", error, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:9464", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_is_loopback_9464() => Assert.Equal(IPEndPoint.Parse("127.0.0.1:9464"), new DiagnosticsOptions().Listen);
}
