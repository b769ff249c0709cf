using System.Collections;
using McpAuthProxy.Gateway.Configuration;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.Hosting;

/// <summary>What <c>mcp-auth-proxy gateway</c> was asked to do: open-mcp-auth-proxy's flags plus <c>--config</c> and <c>--urls</c>.</summary>
public sealed record GatewayRunOptions
{
    public string ConfigPath { get; init; } = "config.yaml";
    public bool Stdio { get; init; }
    public bool Debug { get; init; }
    public bool Asgardeo { get; init; }
    public bool Demo { get; init; }

    /// <summary>Listen address override, e.g. <c>http://127.0.0.1:0</c>; the bound address is printed as <c>listening on URL</c>.</summary>
    public string? Urls { get; init; }

    /// <summary>Environment for <c>MCP_AUTH_PROXY_*</c> overrides; null means the process environment.</summary>
    public IDictionary? Environment { get; init; }

    /// <summary>Where problems and the <c>listening on</c> line go; null means stderr.</summary>
    public TextWriter? Error { get; init; }

    /// <summary>Replaces the default stderr console logging (tests, embedding).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}

/// <summary>The gateway command's one entry point: load and validate the configuration, run until stopped.</summary>
public static class GatewayApplication
{
    /// <summary>Applies the command-line flags to a loaded configuration, as open-mcp-auth-proxy does.</summary>
    public static GatewayConfig ApplyFlags(GatewayConfig config, GatewayRunOptions options)
    {
        if (options.Stdio)
        {
            config = config with { TransportMode = "stdio", Stdio = config.Stdio with { Enabled = true } };
        }

        // A flag wins; without one, the file's mode (open-mcp-auth-proxy sets it by flag only) or the default.
        return config with { Mode = options.Demo ? "demo" : options.Asgardeo ? "asgardeo" : config.Mode ?? "default" };
    }

    /// <summary>Runs the gateway; returns the process exit code (0 after a clean stop, 1 on a broken configuration or start failure).</summary>
    public static async Task<int> RunAsync(GatewayRunOptions options, CancellationToken cancellationToken)
    {
        var error = options.Error ?? Console.Error;
        if (options.Demo)
        {
            await error.WriteLineAsync("mcp-auth-proxy gateway: -demo (the embedded identity provider) is not available yet; configure your identity provider in config.yaml instead.").ConfigureAwait(false);
            return 1;
        }

        var result = GatewayConfigLoader.LoadFile(options.ConfigPath, options.Environment, c => ApplyFlags(c, options));
        // --urls chooses the address, so the default of listen_port does not matter then.
        foreach (var warning in result.Warnings.Where(w => options.Urls is null || w.Key != "listen_port"))
        {
            await error.WriteLineAsync($"warning: {warning}").ConfigureAwait(false);
        }

        if (!result.Succeeded)
        {
            var path = Path.GetFullPath(options.ConfigPath);
            if (result.Errors.Count == 1)
            {
                // One mistake, one line.
                await error.WriteLineAsync($"mcp-auth-proxy gateway: {path}: error: {result.Errors[0]}").ConfigureAwait(false);
                return 1;
            }

            await error.WriteLineAsync($"mcp-auth-proxy gateway: {path} has {result.Errors.Count} problems:").ConfigureAwait(false);
            foreach (var problem in result.Errors)
            {
                await error.WriteLineAsync($"  error: {problem}").ConfigureAwait(false);
            }

            return 1;
        }

        var settings = GatewaySettings.From(result.Config!);
        GatewayHost host;
        try
        {
            host = await GatewayHost.StartAsync(settings, new GatewayHostOptions
            {
                Urls = options.Urls,
                MinimumLogLevel = options.Debug ? LogLevel.Debug : LogLevel.Information,
                ConfigureLogging = options.ConfigureLogging,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            var address = options.Urls ?? $"http://{settings.ListenHost}:{settings.ListenPort}";
            await error.WriteLineAsync($"mcp-auth-proxy gateway: cannot listen on {address}: {ListenFailure.Describe(ex)}. Fix: choose another listen_port (or --listen URL), or stop the program that uses it.").ConfigureAwait(false);
            return 1;
        }

        await using (host.ConfigureAwait(false))
        {
            host.LogStarted();
            await error.WriteLineAsync($"listening on {host.BaseUrl.ToString().TrimEnd('/')}").ConfigureAwait(false);
            await error.FlushAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return 0;
    }
}
