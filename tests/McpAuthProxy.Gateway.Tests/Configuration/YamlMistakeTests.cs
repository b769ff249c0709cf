using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Hosting;

namespace McpAuthProxy.Gateway.Tests.Configuration;

/// <summary>config.yaml as a new user gets it wrong: where the mistake is, said once, with the fix.</summary>
public sealed class YamlMistakeTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    private const string Valid = """
        listen_port: 9090
        base_url: "http://127.0.0.1:8000"
        provider:
          type: oidc
          issuer: https://idp.example.com
        """;

    private static ConfigProblem OnlyError(string yaml, IDictionary<string, string>? environment = null)
    {
        var result = GatewayConfigLoader.Load(yaml, (System.Collections.IDictionary)(environment ?? NoEnvironment));
        Assert.Empty(result.Warnings);
        return Assert.Single(result.Errors);
    }

    [Theory]
    [InlineData("listen_port: 9090\nprovider:\n  type: oidc\n\tissuer: x\n", 4, 1, "a tab in the indentation")]
    [InlineData("listen_port: 9090\nbase_url: x\nprovider:\n\ttype: oidc\n", 4, 1, "a tab in the indentation")]
    [InlineData("stdio:\n  args: [a, b\nlisten_port: 9090\n", 2, 9, "this '[' is never closed with ']'")]
    [InlineData("listen_port: 9090\nstdio:\n  args: [a, b\n", 3, 9, "this '[' is never closed with ']'")]
    [InlineData("cors: {allowed_origins: [\"http://a\"]\nlisten_port: 9090\n", 1, 7, "this '{' is never closed with '}'")]
    [InlineData("a: &x 1\nb: *y\n", 2, 4, "the alias *y names no anchor")]
    [InlineData("listen_port: 1\nlisten_port: 2\n", 2, 1, "the key 'listen_port' is given twice")]
    public void A_yaml_mistake_is_reported_at_its_line_and_column_once(string yaml, int line, int column, string what)
    {
        var problem = Assert.Single(GatewayConfigLoader.Load(yaml, NoEnvironment).Errors);

        Assert.StartsWith($"not valid YAML at line {line}, column {column}: {what}", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("..", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_that_cannot_be_read_is_not_also_reported_as_missing()
    {
        var problem = OnlyError(Valid.Replace("listen_port: 9090", "listen_port: eighty-ninety", StringComparison.Ordinal));

        Assert.Equal("listen_port: 'eighty-ninety' is not a whole number. Fix: write e.g. 'listen_port: 8080'", problem.ToString());
    }

    [Fact]
    public void Stdio_enabled_that_is_not_a_boolean_is_reported_once()
    {
        var result = GatewayConfigLoader.Load(Valid + "\ntransport_mode: stdio\nstdio:\n  enabled: maybe\n  user_command: dotnet\n", NoEnvironment);

        Assert.Single(result.Errors, e => e.Key == "stdio.enabled");
    }

    [Fact]
    public void A_wrong_value_from_the_environment_names_the_variable()
    {
        var problem = OnlyError(Valid, new Dictionary<string, string> { ["MCP_AUTH_PROXY_LISTEN_PORT"] = "abc" });

        Assert.StartsWith("listen_port (set by MCP_AUTH_PROXY_LISTEN_PORT): 'abc' is not a whole number", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_newline_in_a_value_keeps_the_problem_on_one_line()
    {
        var problem = OnlyError(Valid.Replace("listen_port: 9090", "listen_port: \"90\\n90\"", StringComparison.Ordinal));

        Assert.DoesNotContain('\n', problem.ToString());
        Assert.Contains("'90\\n90'", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_that_are_printed_name_127_0_0_1()
    {
        var result = GatewayConfigLoader.Load("provider: { type: oidc, issuer: https://idp.example.com }", NoEnvironment);
        var settings = GatewaySettings.From(result.Config!);

        Assert.Equal("127.0.0.1", settings.ListenHost);
        Assert.Equal(new Uri("http://127.0.0.1:8000"), settings.UpstreamBaseUrl);
        Assert.Contains(result.Warnings, w => w.ToString() == "listen_port: not set; the gateway listens on 127.0.0.1:8080. Fix: write 'listen_port: 8080' to make it explicit");
        Assert.Contains(result.Warnings, w => w.ToString() == "base_url: not set; the upstream MCP server is http://127.0.0.1:8000. Fix: write 'base_url: \"http://127.0.0.1:8000\"' to make it explicit");
        Assert.DoesNotContain(result.Warnings, w => w.ToString().Contains("localhost", StringComparison.Ordinal));
    }

    [Fact]
    public void A_wildcard_listen_host_without_proxy_base_url_warns_about_the_name_clients_see()
    {
        var result = GatewayConfigLoader.Load(Valid + "\nlisten_host: 0.0.0.0\n", NoEnvironment);

        var warning = Assert.Single(result.Warnings);
        Assert.Equal("proxy_base_url", warning.Key);
        Assert.Contains("http://127.0.0.1:9090", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mode_that_does_not_exist_is_an_error()
    {
        var problem = OnlyError(Valid + "\nmode: sandbox\n");

        Assert.Equal("mode", problem.Key);
    }

    [Fact]
    public async Task One_problem_is_printed_on_one_line_with_the_file()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("gateway-yaml-").FullName, "config.yaml");
        await File.WriteAllTextAsync(path, "listen_port: 9090\nstdio:\n  args: [a, b\nprovider: {type: oidc, issuer: https://idp.example.com}\n", TestContext.Current.CancellationToken);
        using var error = new StringWriter();

        var code = await GatewayApplication.RunAsync(new GatewayRunOptions { ConfigPath = path, Error = error, Environment = NoEnvironment }, TestContext.Current.CancellationToken);

        Assert.Equal(1, code);
        Assert.Equal($"mcp-auth-proxy gateway: {path}: error: config: not valid YAML at line 3, column 9: this '[' is never closed with ']'. Fix: add the ']', or write the items as lines starting with '- '",
            Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd('\r'));
    }
}
