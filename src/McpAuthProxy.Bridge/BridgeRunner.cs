using McpAuthProxy.Bridge.Authorization;
using McpAuthProxy.Bridge.Relay;
using McpAuthProxy.OAuth;
using McpAuthProxy.OAuth.Http;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Authentication;
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

        // authful-mcp-proxy mode: the user named the issuer, and we run the OAuth client ourselves.
        await using var tokens = options.OAuth is { Issuer: not null, Flow: not AuthFlow.ClientCredentials } oauth
            ? new TokenProvider(oauth, backchannel, TimeProvider.System, loggerFactory, notify)
            : null;
        IAccessTokenSource? source = tokens;
        if (options.OAuth is { Flow: AuthFlow.ClientCredentials } machine)
        {
            var key = machine.PrivateKeyPath is { } path ? OAuth.Tokens.TokenEndpointClient.ReadPrivateKey(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)) : null;
            source = new OAuth.Tokens.ClientCredentialsTokenSource(options.ServerUrl, machine, new OAuth.Tokens.ClientCredentials(machine.ClientId!, machine.ClientSecret, null, key),
                backchannel, TimeProvider.System, loggerFactory);
        }

        HttpMessageHandler handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        if (source is not null)
        {
            handler = new BearerTokenHandler(source, loggerFactory.CreateLogger<BearerTokenHandler>()) { InnerHandler = handler };
        }
        else if (options.OAuth is { OmitResource: true })
        {
            handler = new ResourceParameterFilter { InnerHandler = handler };
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
            OAuth = options.OAuth is { Issuer: null, Flow: AuthFlow.Browser } discovery ? DiscoveryOAuth(options.ServerUrl, discovery, loggerFactory, notify) : null,
        };

        await using ITransport downstream = input is null
            ? new StdioServerTransport("mcp-auth-proxy", loggerFactory)
            : new StreamServerTransport(input, output!, "mcp-auth-proxy", loggerFactory);

        async Task<ITransport> ConnectAsync(CancellationToken ct)
        {
            var transport = new HttpClientTransport(transportOptions, http, loggerFactory, ownsHttpClient: false);
            return await transport.ConnectAsync(ct).ConfigureAwait(false);
        }

        await using var relay = new McpRelay(downstream, ConnectAsync, options.ServerUrl, TimeProvider.System, loggerFactory.CreateLogger<McpRelay>());
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

    /// <summary>
    /// MCP authorization discovery mode: the SDK's OAuth engine finds the authorization server from the server's 401
    /// (RFC 9728, RFC 8414/OIDC in the spec's order, issuer checks), registers the client (pre-registered, Client ID
    /// Metadata Document, or dynamic registration) and runs the code flow with <c>resource</c>; we give it the
    /// browser, the loopback listener and the token files.
    /// </summary>
    private static ClientOAuthOptions DiscoveryOAuth(Uri server, OAuthClientOptions oauth, ILoggerFactory loggerFactory, Action<string> notify)
    {
        var browser = new BrowserAuthorization(notify, oauth.LoginTimeout, oauth.OmitResource, loggerFactory.CreateLogger<BrowserAuthorization>());
        var store = new OAuth.Tokens.FileTokenStore(oauth.TokenDirectory, TimeProvider.System, loggerFactory.CreateLogger<OAuth.Tokens.FileTokenStore>());
        return new ClientOAuthOptions
        {
            RedirectUri = oauth.RedirectConfigured ? oauth.RedirectUri : DefaultDiscoveryRedirect(server),
            ClientId = oauth.ClientId,
            ClientSecret = oauth.ClientSecret,
            ClientMetadataDocumentUri = oauth.ClientMetadataUrl,
            Scopes = oauth.ScopesConfigured ? [.. oauth.Scopes] : null,
            AuthorizationCallbackHandler = browser.HandleAsync,
            DynamicClientRegistration = new DynamicClientRegistrationOptions
            {
                ClientName = "mcp-auth-proxy",
                ApplicationType = "native",
            },
            TokenCache = new FileTokenCache(store, server, TimeProvider.System),
        };
    }

    /// <summary>
    /// A loopback redirect whose port is stable for one server (so a registered client keeps working) and unlikely to
    /// clash: 20000-32767 lies below the ephemeral port ranges of Linux (32768+), macOS and Windows (49152+).
    /// </summary>
    internal static Uri DefaultDiscoveryRedirect(Uri server)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(server.AbsoluteUri));
        var port = 20000 + (BitConverter.ToUInt16(hash, 0) % 12768);
        return new Uri($"http://127.0.0.1:{port}/oauth/callback");
    }

    [LoggerMessage(Diagnostics.EventIds.Stopped, LogLevel.Error, "{Reason}")]
    private static partial void LogFatal(ILogger logger, string reason);

    [LoggerMessage(Diagnostics.EventIds.ConnectFailed + 100, LogLevel.Warning, "Could not get a token at start: {Reason}")]
    private static partial void LogStartupTokenFailed(ILogger logger, string reason);
}
