using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using McpAuthProxy.Testing;

namespace McpAuthProxy.Tests.Conformance;

/// <summary>The embedded identity provider against the conformance suite's <c>authorization</c> mode (newest prerelease).</summary>
[Collection(nameof(ConformanceCollection))]
public sealed partial class DevIdentityConformanceTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex("(http://127\\.0\\.0\\.1:\\d+/connect/authorize\\?\\S+)")]
    private static partial Regex AuthorizeUrl();

    [Fact]
    public async Task Embedded_identity_provider_passes_the_authorization_scenarios_with_its_sign_in_page_answered()
    {
        await using var idp = ChildProcess.StartProxy(["dev-idp", "--port", "0"], output: output.WriteLine);
        var listening = await idp.WaitForStderrAsync(l => l.StartsWith("listening on ", StringComparison.Ordinal), Ct);
        var issuer = listening["listening on ".Length..].Trim().TrimEnd('/') + "/";

        // The suite's callback listener needs a fixed port (-p): the one exception to binding port 0 ourselves.
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var suite = ChildProcess.Start(RepoPaths.Node,
            [ConformanceSuite.Next, "authorization", "--url", issuer, "--client-id", "mcp-bridge", "--resource", "http://127.0.0.1:9/mcp", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            new Dictionary<string, string?> { ["NO_COLOR"] = "1", ["FORCE_COLOR"] = "0" }, output.WriteLine, workingDirectory: Path.GetTempPath());
        string? url = null;
        while (url is null)
        {
            var line = await suite.ReadStdoutLineAsync(Ct);
            output.WriteLine(line);
            url = AuthorizeUrl().Match(line) is { Success: true } m ? m.Groups[1].Value : null;
        }

        // The demo user signs in and consents on the real pages, in the stand-in browser.
        using (var browser = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { RepoPaths.BrowserDll, url },
            UseShellExecute = false,
            Environment = { ["TEST_BROWSER_USER"] = "demo", ["TEST_BROWSER_PASSWORD"] = "demo-password" },
        }))
        {
            await browser!.WaitForExitAsync(Ct);
        }

        var code = await suite.WaitForExitAsync(Ct, TimeSpan.FromMinutes(1));
        var text = string.Join('\n', suite.StdoutLines);
        output.WriteLine(text);

        Assert.Equal(0, code);
        Assert.Contains("authorization-server-metadata-endpoint: 1 passed, 0 failed", text);
        Assert.Contains("authorization-code-grant: 1 passed, 0 failed", text);
    }
}
