using McpAuthProxy.OAuth.Network;

namespace McpAuthProxy.OAuth.Tests.Network;

/// <summary>NO_PROXY in the forms curl and Go accept, several of which .NET's own reading ignores (<c>*</c>, subdomains of a bare name, <c>*.</c>, ports, CIDR).</summary>
public sealed class NoProxyListTests
{
    [Theory]
    [InlineData("*", "https://anything.example/", true)]
    [InlineData("example.com", "https://example.com/", true)]
    [InlineData("example.com", "https://api.example.com/", true)]
    [InlineData("example.com", "https://notexample.com/", false)]
    [InlineData("example.com", "https://example.com.evil.test/", false)]
    [InlineData(".example.com", "https://example.com/", true)]
    [InlineData(".example.com", "https://deep.api.example.com/", true)]
    [InlineData("*.example.com", "https://api.example.com/", true)]
    [InlineData("*.example.com", "https://example.com/", true)]
    [InlineData("EXAMPLE.com", "https://Api.Example.COM/", true)]
    [InlineData("example.com.", "https://api.example.com./", true)]
    [InlineData("example.com:8443", "https://example.com:8443/", true)]
    [InlineData("example.com:8443", "https://example.com/", false)]
    [InlineData("10.1.2.3", "https://10.1.2.3/", true)]
    [InlineData("10.1.2.3", "https://10.1.2.4/", false)]
    [InlineData("10.0.0.0/8", "https://10.200.3.4/", true)]
    [InlineData("10.0.0.0/8", "https://11.0.0.1/", false)]
    [InlineData("192.168.1.0/25", "http://192.168.1.127/", true)]
    [InlineData("192.168.1.0/25", "http://192.168.1.128/", false)]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5000/", true)]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5001/", false)]
    [InlineData("::1", "http://[::1]:5000/", true)]
    [InlineData("[::1]", "http://[::1]:5000/", true)]
    [InlineData("[::1]:5000", "http://[::1]:5001/", false)]
    [InlineData("fd00::/8", "http://[fd12:3456::1]/", true)]
    [InlineData("fd00::/8", "http://[fe80::1]/", false)]
    [InlineData("10.0.0.0/8", "http://internal.example/", false)]
    [InlineData("bücher.example", "https://xn--bcher-kva.example/", true)]
    [InlineData("localhost, 127.0.0.1,::1", "http://localhost:3000/", true)]
    [InlineData("a.example b.example", "https://b.example/", true)]
    [InlineData("", "https://example.com/", false)]
    [InlineData(" , ,", "https://example.com/", false)]
    public void Matches_the_forms_users_write(string noProxy, string url, bool direct) =>
        Assert.Equal(direct, NoProxyList.Parse(noProxy).Matches(new Uri(url)));

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("[::1")]
    [InlineData("host:port")]
    [InlineData("not an ip/8")]
    public void An_entry_that_cannot_mean_anything_matches_nothing(string noProxy) =>
        Assert.False(NoProxyList.Parse(noProxy).Matches(new Uri("https://10.0.0.1/")));
}
