using McpAuthProxy.OAuth.Network;

namespace McpAuthProxy.OAuth.Tests.Network;

public sealed class EnvironmentProxyTests
{
    private static EnvironmentProxy? From(params (string Name, string Value)[] variables)
    {
        var environment = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return EnvironmentProxy.FromEnvironment(name => environment.GetValueOrDefault(name));
    }

    [Fact]
    public void No_variable_means_no_proxy_of_ours() => Assert.Null(From());

    [Theory]
    [InlineData("HTTPS_PROXY")]
    [InlineData("https_proxy")]
    public void Https_proxy_carries_https_urls_only(string name)
    {
        var proxy = From((name, "http://proxy.corp:3128"))!;

        Assert.Equal(new Uri("http://proxy.corp:3128/"), proxy.GetProxy(new Uri("https://idp.example/token")));
        Assert.True(proxy.IsBypassed(new Uri("http://server.example/mcp")));
        Assert.Equal(name, proxy.Https!.Variable);
    }

    [Fact]
    public void Http_proxy_carries_http_urls_only()
    {
        var proxy = From(("HTTP_PROXY", "http://proxy.corp:3128"))!;

        Assert.Equal(new Uri("http://proxy.corp:3128/"), proxy.GetProxy(new Uri("http://server.example/mcp")));
        Assert.True(proxy.IsBypassed(new Uri("https://idp.example/")));
    }

    [Fact]
    public void All_proxy_fills_in_for_both_and_yields_to_the_specific_one()
    {
        var proxy = From(("ALL_PROXY", "socks5://socks.corp:1080"), ("HTTPS_PROXY", "http://proxy.corp:3128"))!;

        Assert.Equal(new Uri("socks5://socks.corp:1080/"), proxy.GetProxy(new Uri("http://server.example/")));
        Assert.Equal(new Uri("http://proxy.corp:3128/"), proxy.GetProxy(new Uri("https://idp.example/")));
    }

    [Fact]
    public void Lower_case_wins_over_upper_case_as_in_curl_and_dotnet()
    {
        var proxy = From(("HTTPS_PROXY", "http://upper:3128"), ("https_proxy", "http://lower:3128"), ("NO_PROXY", "a.example"), ("no_proxy", "b.example"))!;

        Assert.Equal("lower", proxy.Https!.Uri.Host);
        Assert.True(proxy.IsBypassed(new Uri("https://b.example/")));
        Assert.False(proxy.IsBypassed(new Uri("https://a.example/")));
    }

    [Fact]
    public void A_proxy_without_a_scheme_is_http()
    {
        var proxy = From(("HTTPS_PROXY", "proxy.corp:3128"))!;

        Assert.Equal(new Uri("http://proxy.corp:3128/"), proxy.Https!.Uri);
    }

    [Fact]
    public void Credentials_in_the_url_go_to_that_proxy_only_and_never_into_its_printable_form()
    {
        var proxy = From(("HTTPS_PROXY", "http://alice:s%40cret@proxy.corp:3128"), ("HTTP_PROXY", "http://other.corp:8080"))!;

        Assert.Equal(new Uri("http://proxy.corp:3128/"), proxy.GetProxy(new Uri("https://idp.example/")));
        var credential = proxy.Credentials!.GetCredential(new Uri("http://proxy.corp:3128/"), "Basic");
        Assert.Equal(("alice", "s@cret"), (credential?.UserName, credential?.Password));
        Assert.Null(proxy.Credentials.GetCredential(new Uri("http://other.corp:8080/"), "Basic"));
        Assert.DoesNotContain("cret", proxy.Https!.ToString(), StringComparison.Ordinal);
        Assert.Equal("http://proxy.corp:3128 (from HTTPS_PROXY)", proxy.Https.ToString());
    }

    [Fact]
    public void No_proxy_star_sends_everything_direct()
    {
        var proxy = From(("HTTPS_PROXY", "http://proxy.corp:3128"), ("NO_PROXY", "*"))!;

        Assert.True(proxy.IsBypassed(new Uri("https://idp.example/")));
        Assert.Null(proxy.GetProxy(new Uri("https://idp.example/")));
    }

    [Theory]
    [InlineData("ftp://proxy.corp:21")]
    [InlineData("http://proxy.corp:3128/some/path")]
    [InlineData("http://")]
    [InlineData("http://proxy.corp:notaport")]
    public void A_value_that_is_not_a_proxy_url_is_one_line_naming_the_variable(string value)
    {
        var error = Assert.Throws<OAuthException>(() => From(("HTTPS_PROXY", value)));

        Assert.Equal("HTTPS_PROXY is not a proxy URL; write e.g. HTTPS_PROXY=http://proxy.example.com:3128 (or unset it).", error.Message);
    }

    [Fact]
    public void The_error_never_repeats_the_value_which_may_hold_a_password()
    {
        var error = Assert.Throws<OAuthException>(() => From(("http_proxy", "ftp://bob:hunter2@proxy.corp")));

        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Socket_handler_uses_our_proxy_and_dotnets_default_otherwise()
    {
        var withProxy = OutboundHttp.Create(new NetworkOptions { Environment = name => name == "HTTPS_PROXY" ? "http://proxy.corp:3128" : null });
        var without = OutboundHttp.Create(new NetworkOptions { Environment = _ => null });

        using var proxied = withProxy.CreateSocketsHandler();
        using var direct = without.CreateSocketsHandler();

        Assert.Same(withProxy.Proxy, proxied.Proxy);
        Assert.True(proxied.UseProxy);
        Assert.Null(direct.Proxy);
        Assert.Contains("https via http://proxy.corp:3128 (from HTTPS_PROXY)", withProxy.Describe(), StringComparison.Ordinal);
    }
}
