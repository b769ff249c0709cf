using McpAuthProxy.Bridge.Relay;
using McpAuthProxy.OAuth;
using McpAuthProxy.OAuth.Http;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpAuthProxy.Bridge;

/// <summary>Runs the bridge: stdio on one side, the MCP server over HTTP on the other, signing in as needed.</summary>
public static partial class BridgeRunner
{
    /// <summary>
    /// Relays until the client closes stdin (exit 0) or the process is stopped. A sign-in started at launch that fails
    /// ends the process with exit 1 and one line on stderr that says why.
    /// </summary>
    /// <param name="notify">Writes a line the user must see whatever the log level.</param>
    /// <param name="input">The client's messages; null for the process's stdin.</param>
    /// <param name="output">Where the client reads answers; null for the process's stdout.</param>
    public static async Task<int> RunAsync(BridgeOptions options, ILoggerFactory loggerFactory, Action<string> notify, Stream? input, Stream? output, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(typeof(BridgeRunner).FullName!);
        using var backchannel = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        backchannel.DefaultRequestHeaders.UserAgent.ParseAdd("mcp-auth-proxy/" + typeof(BridgeRunner).Assembly.GetName().Version?.ToString(3));

        // One engine for a configured issuer and for discovery from the server alike.
        await using var tokens = options.OAuth is { Flow: not AuthFlow.ClientCredentials } oauth
            ? TokenProvider.Create(oauth, options.ServerUrl, backchannel, TimeProvider.System, loggerFactory, notify)
            : null;
        IAccessTokenSource? source = tokens;
        if (options.OAuth is { Flow: AuthFlow.ClientCredentials } machine)
        {
            var key = machine.PrivateKeyPath is { } path ? OAuth.Tokens.TokenEndpointClient.ReadPrivateKey(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)) : null;
            source = new OAuth.Tokens.ClientCredentialsTokenSource(options.ServerUrl, machine, new OAuth.Tokens.ClientCredentials(machine.ClientId!, machine.ClientSecret, null, key),
                backchannel, TimeProvider.System, loggerFactory);
        }

        HttpMessageHandler handler = new Transport.MessageSizeLimit(options.MaxMessageBytes)
        {
            InnerHandler = new SocketsHttpHandler
            {
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
                ConnectTimeout = TimeSpan.FromSeconds(15),
            },
        };
        if (source is not null)
        {
            handler = new BearerTokenHandler(source, loggerFactory.CreateLogger<BearerTokenHandler>()) { InnerHandler = handler };
        }

        // No overall timeout: SSE streams and long tool calls may legitimately last for hours.
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var transportOptions = new HttpClientTransportOptions
        {
            Endpoint = options.ServerUrl,
            Name = "mcp-auth-proxy",
            TransportMode = options.EffectiveTransport switch
            {
                BridgeTransport.Sse => HttpTransportMode.Sse,
                BridgeTransport.StreamableHttp => HttpTransportMode.StreamableHttp,
                _ => HttpTransportMode.AutoDetect,
            },
            AdditionalHeaders = options.Headers.Count == 0 ? null : new Dictionary<string, string>(options.Headers),
        };

        await using ITransport downstream = new Transport.StdioLineTransport(input ?? Console.OpenStandardInput(), output ?? Console.OpenStandardOutput(), loggerFactory.CreateLogger<Transport.StdioLineTransport>());

        async Task<ITransport> ConnectAsync(CancellationToken ct)
        {
            var transport = new HttpClientTransport(transportOptions, http, loggerFactory, ownsHttpClient: false);
            return await transport.ConnectAsync(ct).ConfigureAwait(false);
        }

        await using var relay = new McpRelay(downstream, ConnectAsync, options.ServerUrl, TimeProvider.System, loggerFactory.CreateLogger<McpRelay>())
        {
            // A configured issuer without --resource is asked for tokens without an audience; discovery sends the server's.
            ResourceSent = options.OAuth is not { Issuer: not null, Resource: null, OmitResource: false },
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var relaying = relay.RunAsync(stop.Token);

        if (tokens is not null)
        {
            // Sign in (or refresh) right away, as authful-mcp-proxy does, while stdio is already being read.
            var startup = tokens.StartAsync();
            var first = await Task.WhenAny(startup, relaying).ConfigureAwait(false);
            if (first == startup && startup.IsFaulted)
            {
                var reason = startup.Exception!.InnerException!;
                if (reason is OAuthException)
                {
                    LogFatal(logger, reason.Message);
                    // Nothing is lost: the client's first request (sent as it starts us) and any other get the reason
                    // as their answer before the process ends.
                    await relay.FirstRequest.WaitAsync(FirstRequestGrace, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    await relay.RefuseAllAsync(RelayErrors.From(reason, options.ServerUrl)).ConfigureAwait(false);
                    await stop.CancelAsync().ConfigureAwait(false);
                    await relaying.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    return 1;
                }

                LogStartupTokenFailed(logger, reason.Message);
            }
        }

        await relaying.ConfigureAwait(false);
        return 0;
    }

    /// <summary>How long a bridge that cannot go on waits for the client's first request, to answer it before exiting.</summary>
    private static readonly TimeSpan FirstRequestGrace = TimeSpan.FromSeconds(3);

    [LoggerMessage(Diagnostics.EventIds.Stopped, LogLevel.Error, "{Reason}")]
    private static partial void LogFatal(ILogger logger, string reason);

    [LoggerMessage(Diagnostics.EventIds.ConnectFailed + 100, LogLevel.Warning, "Could not get a token at start: {Reason}")]
    private static partial void LogStartupTokenFailed(ILogger logger, string reason);
}
