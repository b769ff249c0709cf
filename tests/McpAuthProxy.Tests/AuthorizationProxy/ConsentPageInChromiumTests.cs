using System.Buffers.Binary;
using System.Text.Json;
using McpAuthProxy.Testing;
using McpAuthProxy.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Tests.AuthorizationProxy;

/// <summary>
/// The gateway's consent page in a real browser: the bridge (only the gateway's MCP URL) signs in through the gateway's
/// OAuth front with $BROWSER set to headless Chromium (tests/e2e/chromium-browser.mjs, playwright-core driving Debian's
/// /usr/bin/chromium), which screenshots the consent page, presses Allow, checks that it kept the gateway's __Host-
/// consent cookie on plain http://127.0.0.1, and goes through the provider's pages back to the bridge's loopback callback.
/// The screenshot's path is written to the test output (and the PNG attached to the result).
/// </summary>
public sealed class ConsentPageInChromiumTests(ITestOutputHelper output)
{
    private const string InstallChromium = "apt-get install -y --no-install-recommends chromium";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(FrontProvider.OidcProviderWithoutRegistration)]
    [InlineData(FrontProvider.EmbeddedWithoutRegistration)]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Bridge_signs_in_through_the_consent_page_shown_in_headless_Chromium(FrontProvider provider)
    {
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } set ? set : "/usr/bin/chromium";
        Assert.True(File.Exists(chromium),
            $"This test needs Chromium at {chromium} (or set CHROMIUM). Install it with `{InstallChromium}` (./test.sh does).");
        Assert.True(File.Exists(Path.Combine(RepoPaths.E2E, "node_modules", "playwright-core", "package.json")),
            "This test needs playwright-core from tests/e2e: run `npm ci --prefix tests/e2e` (./test.sh does).");

        var screenshots = ScreenshotFolder();
        var screenshot = Path.Combine(screenshots, $"consent-page-{provider}.png");
        var headersFile = Path.Combine(screenshots, $"consent-page-{provider}.headers.json");
        File.Delete(screenshot);
        File.Delete(headersFile);

        await using var stack = await FrontStack.StartAsync(provider, Ct);
        using var run = new BridgeRun(output);
        var browser = Path.Combine(run.Dir, "chromium.sh");
        await File.WriteAllTextAsync(browser,
            $"#!/bin/sh\nexec '{RepoPaths.Node}' '{Path.Combine(RepoPaths.E2E, "chromium-browser.mjs")}' \"$@\"\n", Ct);
        File.SetUnixFileMode(browser, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var (name, value) in stack.BrowserEnvironment)
        {
            run.Environment[name] = value;
        }

        run.Environment["BROWSER"] = browser;
        run.Environment["CHROMIUM"] = chromium;
        run.Environment["CONSENT_SCREENSHOT"] = screenshot;
        run.Environment["CONSENT_HEADERS"] = headersFile;
        // Chromium is slow to start on a busy machine (the whole suite runs at once): generous limits, the browser's the shortest
        // so that a stuck page is reported by the browser, then the bridge's wait for the sign-in, then this test's.
        run.Environment["TEST_BROWSER_TIMEOUT_MS"] = "100000";
        run.Environment["MCP_PROXY_SIGN_IN_WAIT"] = "120";
        run.Environment["DISPLAY"] = null;
        run.Environment["WAYLAND_DISPLAY"] = null;

        var bridgeStderr = new System.Collections.Concurrent.ConcurrentQueue<string>();
        string Diagnostics() =>
            $"\n--- browser\n{BrowserLog(run)}\n--- bridge\n{string.Join('\n', bridgeStderr)}\n--- gateway\n{stack.GatewayLog}\n--- provider\n{stack.ProviderLog}";

        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        try
        {
            // The product drops the browser's exit code and output, so a browser failure shows up in its log file.
            // The bridge as BridgeRun.ConnectAsync starts it (discovery mode: only the gateway's MCP URL), with a longer limit.
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            limit.CancelAfter(TimeSpan.FromSeconds(150));
            var connecting = McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
            {
                Name = "bridge",
                Command = "dotnet",
                Arguments = [RepoPaths.ProxyDll, stack.McpUrl],
                EnvironmentVariables = run.BuildEnvironment(),
                StandardErrorLines = line =>
                {
                    bridgeStderr.Enqueue(line);
                    output.WriteLine("[bridge] " + line);
                },
                ShutdownTimeout = TimeSpan.FromSeconds(5),
            }), cancellationToken: limit.Token);
            var browserFailed = WaitForLogLineAsync(run, "FAILED:", stopWatching.Token);
            if (await Task.WhenAny(connecting, browserFailed) == browserFailed)
            {
                _ = connecting.ContinueWith(t => t.Exception, TaskScheduler.Default);
                Assert.Fail("Chromium failed: " + await browserFailed + Diagnostics());
            }

            await stopWatching.CancelAsync();
            await using var client = await connecting;
            var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "seen in Chromium" }, cancellationToken: Ct);
            Assert.Equal("seen in Chromium", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{ex.GetType().Name}: {ex.Message}{Diagnostics()}");
        }

        // The browser finishes once the bridge's callback page has loaded, which may be just after the bridge has its token.
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            limit.CancelAfter(TimeSpan.FromSeconds(15));
            try
            {
                await WaitForLogLineAsync(run, "done:", limit.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                Assert.Fail("Chromium did not finish within 15 s of the tool call" + Diagnostics());
            }
        }

        var log = File.ReadAllLines(run.BrowserLog);
        output.WriteLine("--- Chromium's log\n" + string.Join('\n', log));
        Assert.Equal(1, run.BrowserOpens);
        Assert.DoesNotContain(log, l => l.Contains("FAILED:", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("consent page shown", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("consent cookie accepted by Chromium: __Host-mcp-consent-", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("landed on the client's callback http://127.0.0.1:", StringComparison.Ordinal));

        // The consent page as Chromium received it: never framed.
        using (var headers = JsonDocument.Parse(await File.ReadAllTextAsync(headersFile, Ct)))
        {
            Assert.True(headers.RootElement.TryGetProperty("content-security-policy", out var csp), "no Content-Security-Policy on the consent page");
            Assert.Contains("frame-ancestors 'none'", csp.GetString(), StringComparison.Ordinal);
        }

        // The screenshot: a PNG of the whole page at the 1000-pixel-wide viewport, big enough to hold a rendered page.
        Assert.True(File.Exists(screenshot), "no screenshot at " + screenshot);
        var png = await File.ReadAllBytesAsync(screenshot, Ct);
        Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        Assert.Equal("IHDR"u8.ToArray(), png[12..16]);
        var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
        var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4));
        Assert.Equal(1000, width);
        Assert.InRange(height, 600, 4000);
        Assert.InRange(png.Length, 20_000, 5_000_000);
        output.WriteLine($"Screenshot of the gateway's consent page in headless Chromium ({width}x{height}, {png.Length} bytes): {Path.GetFullPath(screenshot)}");
        // Attached as well (the trx lists it; xunit adds the .png from the media type).
        TestContext.Current.AddAttachment(Path.GetFileNameWithoutExtension(screenshot), png, "image/png");
    }

    /// <summary>TestResults/screenshots at the repository root (where ./test.sh puts its results), else a temporary folder.</summary>
    private static string ScreenshotFolder()
    {
        foreach (var folder in new[] { Path.Combine(RepoPaths.Root, "TestResults", "screenshots"), Path.Combine(Path.GetTempPath(), "mcp-auth-proxy-screenshots") })
        {
            try
            {
                Directory.CreateDirectory(folder);
                return folder;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        throw new InvalidOperationException("no folder for screenshots");
    }

    private static string BrowserLog(BridgeRun run) => File.Exists(run.BrowserLog) ? File.ReadAllText(run.BrowserLog) : "(no log)";

    private static async Task<string> WaitForLogLineAsync(BridgeRun run, string marker, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (File.Exists(run.BrowserLog) && File.ReadLines(run.BrowserLog).FirstOrDefault(l => l.Contains(marker, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            await Task.Delay(200, cancellationToken);
        }
    }
}
