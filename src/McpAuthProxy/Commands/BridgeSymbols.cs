using System.CommandLine;
using McpAuthProxy.Bridge;
using McpAuthProxy.OAuth;
using McpAuthProxy.OAuth.Tokens;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Commands;

/// <summary>
/// The bridge's options, identical to authful-mcp-proxy's, each with its environment variable. A flag wins over the
/// variable, and an empty variable counts as unset. Created once per command that uses them.
/// </summary>
internal sealed class BridgeSymbols
{
    public Argument<string?> Url { get; } = new("MCP_BACKEND_URL")
    {
        Description = "URL of the remote MCP server, e.g. https://mcp.example.com/mcp [env: MCP_BACKEND_URL]. A path ending in /sse selects the legacy HTTP+SSE transport.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public Option<string?> Issuer { get; } = new("--oidc-issuer-url") { Description = "Issuer URL of your OIDC identity provider, e.g. https://auth.example.com [env: OIDC_ISSUER_URL]. Leave it out to discover the provider from the server (MCP authorization) and register automatically", HelpName = "URL" };
    public Option<string?> ClientId { get; } = new("--oidc-client-id") { Description = "OAuth client id registered at the identity provider [env: OIDC_CLIENT_ID]", HelpName = "ID" };
    public Option<string?> ClientSecret { get; } = new("--oidc-client-secret") { Description = "Client secret, for confidential clients only [env: OIDC_CLIENT_SECRET]", HelpName = "SECRET" };
    public Option<string?> Scopes { get; } = new("--oidc-scopes") { Description = "Space-separated scopes; openid is always sent first [env: OIDC_SCOPES] [default: openid profile email]", HelpName = "SCOPES" };
    public Option<string?> RedirectUrl { get; } = new("--oidc-redirect-url") { Description = "Loopback redirect URL registered with the client [env: OIDC_REDIRECT_URL] [default: http://localhost:8080/auth/callback]", HelpName = "URL" };
    public Option<bool> NoBanner { get; } = new("--no-banner") { Description = "Do not print the start-up banner" };
    public Option<bool> Silent { get; } = new("--silent") { Description = "Log errors only" };
    public Option<bool> Debug { get; } = new("--debug") { Description = "Log everything, including HTTP exchanges (secrets shown only as fingerprints) [env: MCP_PROXY_DEBUG=1|true|yes|on]" };
    public Option<int?> LoginTimeout { get; } = new("--login-timeout") { Description = "Seconds to wait for the browser sign-in [env: MCP_PROXY_LOGIN_TIMEOUT] [default: 300]", HelpName = "SECONDS" };
    public Option<int?> SignInWait { get; } = new("--sign-in-wait") { Description = "Seconds a request waits for a pending sign-in before it is answered with an error [env: MCP_PROXY_SIGN_IN_WAIT] [default: 45]", HelpName = "SECONDS" };
    public Option<string?> TokenDir { get; } = new("--token-dir") { Description = $"Folder of the token cache [env: MCP_PROXY_TOKEN_DIR] [default: {FileTokenStore.DefaultDirectory}]", HelpName = "PATH" };
    public Option<string?> Transport { get; } = new("--transport") { Description = "auto, streamable-http or sse [env: MCP_PROXY_TRANSPORT] [default: auto]", HelpName = "MODE" };
    public Option<string?> Resource { get; } = new("--resource") { Description = "RFC 8707 resource to request tokens for (some identity providers need it to issue an audience) [env: MCP_PROXY_RESOURCE]", HelpName = "URI" };
    public Option<string[]> Headers { get; } = new("--header") { Description = "Extra header for the MCP server, 'Name: value' (repeatable)", HelpName = "HEADER", AllowMultipleArgumentsPerToken = false };
    public Option<string?> ClientMetadataUrl { get; } = new("--client-metadata-url") { Description = "Client ID Metadata Document URL to use as the client id where the authorization server supports it (discovery mode) [env: MCP_PROXY_CLIENT_METADATA_URL]", HelpName = "URL" };
    public Option<string?> AuthFlow { get; } = new("--auth-flow") { Description = "browser (authorization code + PKCE), device (RFC 8628 device code, for machines without a browser) or client-credentials (machine to machine) [env: MCP_PROXY_AUTH_FLOW] [default: browser]", HelpName = "FLOW" };
    public Option<string?> ClientPrivateKey { get; } = new("--client-private-key") { Description = "PEM private key (EC or RSA) for private_key_jwt client authentication [env: MCP_PROXY_CLIENT_PRIVATE_KEY]", HelpName = "PATH" };
    public Option<int?> MaxMessageSize { get; } = new("--max-message-size") { Description = "Largest answer of the MCP server to read, in MiB; a larger one is answered with an error instead [env: MCP_PROXY_MAX_MESSAGE_SIZE] [default: 64]", HelpName = "MIB" };
    public Option<bool> NoResource { get; } = new("--no-resource") { Description = "Send no RFC 8707 resource parameter, for identity providers that reject it [env: MCP_PROXY_NO_RESOURCE=1|true|yes|on]" };
    public Option<bool> LogToFile { get; } = new("--log-to-file") { Description = "Accepted for compatibility with authful-mcp-proxy-rs; logs always go to stderr", Hidden = true };

    public IEnumerable<Symbol> All => [Url, Issuer, ClientId, ClientSecret, Scopes, RedirectUrl, NoBanner, Silent, Debug, LoginTimeout, SignInWait, TokenDir, Transport, Resource, Headers, ClientMetadataUrl, AuthFlow, ClientPrivateKey, NoResource, MaxMessageSize, LogToFile];

    public void AddTo(Command command)
    {
        foreach (var symbol in All)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
            }
        }
    }

    /// <summary>The flag, else the environment variable; empty counts as unset.</summary>
    private static string? Value(ParseResult parse, Option<string?> option, string variable) =>
        NonEmpty(parse.GetValue(option)) ?? NonEmpty(Environment.GetEnvironmentVariable(variable));

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    public LogLevel LogLevel(ParseResult parse, out string? error)
    {
        error = null;
        var silent = parse.GetValue(Silent);
        var debug = parse.GetValue(Debug);
        if (silent && debug)
        {
            error = "--silent and --debug cannot be used together; choose one.";
        }

        if (silent)
        {
            return Microsoft.Extensions.Logging.LogLevel.Error;
        }

        var debugVariable = NonEmpty(Environment.GetEnvironmentVariable("MCP_PROXY_DEBUG"))?.ToLowerInvariant();
        return debug || debugVariable is "1" or "true" or "yes" or "on" ? Microsoft.Extensions.Logging.LogLevel.Debug : Microsoft.Extensions.Logging.LogLevel.Information;
    }

    public bool ShowBanner(ParseResult parse) => !parse.GetValue(NoBanner) && !parse.GetValue(Silent);

    /// <summary>Whether the MCP server URL was given (as the argument or MCP_BACKEND_URL).</summary>
    public bool HasServerUrl(ParseResult parse) => NonEmpty(parse.GetValue(Url)) is not null || NonEmpty(Environment.GetEnvironmentVariable("MCP_BACKEND_URL")) is not null;

    /// <summary>Maps the parse to bridge options; every problem is added to <paramref name="errors"/> with its fix.</summary>
    public BridgeOptions? ToBridgeOptions(ParseResult parse, List<string> errors, bool requireUrl = true)
    {
        var urlText = NonEmpty(parse.GetValue(Url)) ?? NonEmpty(Environment.GetEnvironmentVariable("MCP_BACKEND_URL"));
        Uri? url = null;
        if (urlText is null)
        {
            if (requireUrl)
            {
                errors.Add("No MCP server URL given: pass it as the argument (mcp-auth-proxy https://mcp.example.com/mcp) or set MCP_BACKEND_URL.");
            }
        }
        else if (!TryHttpUrl(urlText, out url))
        {
            errors.Add($"The MCP server URL '{urlText}' is not an absolute http(s) URL; write e.g. https://mcp.example.com/mcp.");
        }

        var oauth = ToOAuthOptions(parse, errors);

        var transport = BridgeTransport.Auto;
        switch (Value(parse, Transport, "MCP_PROXY_TRANSPORT")?.ToLowerInvariant())
        {
            case null or "auto":
                break;
            case "streamable-http" or "streamablehttp" or "http":
                transport = BridgeTransport.StreamableHttp;
                break;
            case "sse":
                transport = BridgeTransport.Sse;
                break;
            case { } other:
                errors.Add($"--transport '{other}' is not known; use auto, streamable-http or sse.");
                break;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in parse.GetValue(Headers) ?? [])
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                errors.Add($"--header '{header}' is not of the form 'Name: value'.");
                continue;
            }

            headers[header[..colon].Trim()] = header[(colon + 1)..].Trim();
        }

        var maxMessage = Seconds(parse, MaxMessageSize, "MCP_PROXY_MAX_MESSAGE_SIZE", 64, errors, "MiB");
        return errors.Count > 0 || (url is null && requireUrl) ? null : new BridgeOptions
        {
            ServerUrl = url ?? new Uri("http://127.0.0.1/"),
            MaxMessageBytes = maxMessage * 1024L * 1024,
            OAuth = oauth,
            Transport = transport,
            Headers = headers,
        };
    }

    public OAuthClientOptions? ToOAuthOptions(ParseResult parse, List<string> errors)
    {
        var issuerText = Value(parse, Issuer, "OIDC_ISSUER_URL");
        var clientId = Value(parse, ClientId, "OIDC_CLIENT_ID");
        Uri? issuer = null;
        if (issuerText is not null && !TryHttpUrl(issuerText, out issuer))
        {
            errors.Add($"The issuer URL '{issuerText}' is not an absolute http(s) URL; write e.g. https://auth.example.com.");
        }

        var flow = OAuth.AuthFlow.Browser;
        switch (Value(parse, AuthFlow, "MCP_PROXY_AUTH_FLOW")?.ToLowerInvariant())
        {
            case null or "browser":
                break;
            case "device" or "device-code":
                flow = OAuth.AuthFlow.Device;
                if (issuerText is null)
                {
                    errors.Add("--auth-flow device needs --oidc-issuer-url (OIDC_ISSUER_URL) and --oidc-client-id: the device code is asked of a known identity provider.");
                }

                break;
            case "client-credentials" or "client_credentials":
                flow = OAuth.AuthFlow.ClientCredentials;
                break;
            case { } other:
                errors.Add($"--auth-flow '{other}' is not known; use browser, device or client-credentials.");
                break;
        }

        var privateKey = Value(parse, ClientPrivateKey, "MCP_PROXY_CLIENT_PRIVATE_KEY");
        if (privateKey is not null && !File.Exists(privateKey))
        {
            errors.Add($"--client-private-key '{privateKey}' does not exist; give the path of a PEM private key.");
        }

        if (flow == OAuth.AuthFlow.ClientCredentials && (clientId is null || (Value(parse, ClientSecret, "OIDC_CLIENT_SECRET") is null && privateKey is null)))
        {
            errors.Add("--auth-flow client-credentials needs --oidc-client-id and either --oidc-client-secret or --client-private-key.");
        }

        if (issuerText is not null && clientId is null)
        {
            errors.Add("No client id given: set --oidc-client-id (or OIDC_CLIENT_ID) to the client registered at your identity provider, or leave out --oidc-issuer-url to discover the provider from the server and register automatically.");
        }

        Uri? metadataUrl = null;
        var metadataText = Value(parse, ClientMetadataUrl, "MCP_PROXY_CLIENT_METADATA_URL");
        if (metadataText is not null && (!Uri.TryCreate(metadataText, UriKind.Absolute, out metadataUrl) || metadataUrl.Scheme != Uri.UriSchemeHttps || metadataUrl.AbsolutePath.Length <= 1))
        {
            errors.Add($"--client-metadata-url '{metadataText}' must be an https URL with a path, e.g. https://app.example.com/oauth/client-metadata.json.");
        }

        var redirectGiven = Value(parse, RedirectUrl, "OIDC_REDIRECT_URL");
        var redirectText = redirectGiven ?? "http://localhost:8080/auth/callback";
        if (!Uri.TryCreate(redirectText, UriKind.Absolute, out var redirect) || redirect.Scheme != Uri.UriSchemeHttp
            || !OAuth.Authorization.AuthorizationUrl.IsLoopback(redirect))
        {
            errors.Add($"The redirect URL '{redirectText}' must be http:// on localhost or 127.0.0.1, e.g. http://localhost:8080/auth/callback.");
        }
        else if (redirect.AbsolutePath == "/")
        {
            // authful-mcp-proxy's default path where the URL has none.
            redirect = new UriBuilder(redirect) { Path = "/callback" }.Uri;
        }

        var scopesGiven = Value(parse, Scopes, "OIDC_SCOPES");
        var scopes = issuer is null
            ? ScopeList.Parse(scopesGiven)
            : ScopeList.WithOpenIdFirst(ScopeList.Parse(scopesGiven ?? "openid profile email"));
        var loginTimeout = Seconds(parse, LoginTimeout, "MCP_PROXY_LOGIN_TIMEOUT", 300, errors);
        var signInWait = Seconds(parse, SignInWait, "MCP_PROXY_SIGN_IN_WAIT", 45, errors);
        var resource = Value(parse, Resource, "MCP_PROXY_RESOURCE");
        var omitResource = parse.GetValue(NoResource) || NonEmpty(Environment.GetEnvironmentVariable("MCP_PROXY_NO_RESOURCE"))?.ToLowerInvariant() is "1" or "true" or "yes" or "on";
        if (omitResource && resource is not null)
        {
            errors.Add("--resource and --no-resource contradict each other; choose one.");
        }

        if ((issuerText is not null && (issuer is null || clientId is null)) || redirect is null)
        {
            return null;
        }

        return new OAuthClientOptions
        {
            Issuer = issuer,
            ClientId = clientId,
            ClientSecret = Value(parse, ClientSecret, "OIDC_CLIENT_SECRET"),
            ClientMetadataUrl = metadataUrl,
            Flow = flow,
            PrivateKeyPath = privateKey,
            ScopesConfigured = scopesGiven is not null,
            RedirectConfigured = redirectGiven is not null,
            Scopes = scopes,
            RedirectUri = redirect,
            Resource = omitResource ? null : resource,
            OmitResource = omitResource,
            LoginTimeout = TimeSpan.FromSeconds(loginTimeout),
            SignInWait = TimeSpan.FromSeconds(signInWait),
            TokenDirectory = Value(parse, TokenDir, "MCP_PROXY_TOKEN_DIR") ?? FileTokenStore.DefaultDirectory,
        };
    }

    private static int Seconds(ParseResult parse, Option<int?> option, string variable, int fallback, List<string> errors, string unit = "seconds")
    {
        if (parse.GetValue(option) is { } given)
        {
            if (given <= 0)
            {
                errors.Add($"{option.Name} must be a positive number of {unit}.");
            }

            return given;
        }

        var text = NonEmpty(Environment.GetEnvironmentVariable(variable));
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, out var value) || value <= 0)
        {
            errors.Add($"{variable}='{text}' is not a positive number of {unit}.");
            return fallback;
        }

        return value;
    }

    private static bool TryHttpUrl(string text, out Uri? url) =>
        Uri.TryCreate(text, UriKind.Absolute, out url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) && url.Host.Length > 0;
}
