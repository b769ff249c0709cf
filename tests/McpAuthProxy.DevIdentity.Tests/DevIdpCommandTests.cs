using System.Net.Sockets;
using System.Text.Json;

namespace McpAuthProxy.DevIdentity.Tests;

public sealed class DevIdpCommandTests
{
    [Fact]
    public async Task Dev_idp_prints_issuer_clients_and_user_serves_metadata_and_exits_0_on_SIGINT()
    {
        await using var child = ChildProcess.StartProxy(["dev-idp", "--port", "0"]);

        var listening = await child.WaitForStderrAsync(l => l.StartsWith("listening on ", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var baseUrl = new Uri(listening["listening on ".Length..]);
        using var http = new HttpClient();
        var metadata = JsonDocument.Parse(await http.GetStringAsync(new Uri(baseUrl, ".well-known/oauth-authorization-server"), TestContext.Current.CancellationToken)).RootElement;
        child.Interrupt();
        var exitCode = await child.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal("127.0.0.1", baseUrl.Host);
        Assert.Equal(baseUrl.AbsoluteUri, metadata.GetProperty("issuer").GetString());
        var stdout = child.StdoutLines;
        Assert.Contains("issuer:    " + baseUrl.AbsoluteUri, stdout);
        Assert.Contains(stdout, l => l.Contains("user:      demo  password: demo-password", StringComparison.Ordinal));
        Assert.Contains(stdout, l => l.TrimStart().StartsWith("mcp-bridge  public", StringComparison.Ordinal) && l.Contains("any http loopback", StringComparison.Ordinal));
        Assert.Contains(stdout, l => l.TrimStart().StartsWith("mcp-service  secret: mcp-service-secret", StringComparison.Ordinal));
        Assert.Contains(stdout, l => l.TrimStart().StartsWith("mcp-device  public", StringComparison.Ordinal));
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Dev_idp_on_a_port_in_use_prints_one_line_and_exits_1()
    {
        using var taken = new TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        await using var child = ChildProcess.StartProxy(["dev-idp", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        var exitCode = await child.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        var line = Assert.Single(child.StderrLines);
        Assert.Contains($"cannot listen on 127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("already in use", line, StringComparison.Ordinal);
        Assert.Empty(child.StdoutLines);
    }

    [Fact]
    public async Task Dev_idp_with_a_port_out_of_range_says_what_to_type_and_exits_1()
    {
        await using var child = ChildProcess.StartProxy(["dev-idp", "--port", "70000"]);

        var exitCode = await child.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        Assert.Contains(child.StderrLines, l => l.Contains("--port takes a port number from 0 to 65535", StringComparison.Ordinal));
    }
}
