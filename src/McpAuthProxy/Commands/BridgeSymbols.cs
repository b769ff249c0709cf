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
    public Argument<string?> Url { get; } = new("URL")
    {
        Description = "The remote MCP server, e.g. https://mcp.example.com/mcp [env: MCP_BACKEND_URL]. A path ending in /sse selects the legacy HTTP+SSE transport.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public Option<string?> Issuer { get; } = ValueOptions.Text("--oidc-issuer-url", "URL", "an absolute http(s) URL, your identity provider's issuer", "https://auth.example.com",
        "Issuer URL of your OIDC identity provider, e.g. https://auth.example.com [env: OIDC_ISSUER_URL]. Leave it out to discover the provider from the server (MCP authorization) and register automatically");
    public Option<string?> ClientId { get; } = ValueOptions.Text("--oidc-client-id", "ID", "the client id registered at your identity provider", "my-client",
        "OAuth client id registered at the identity provider [env: OIDC_CLIENT_ID]");
    public Option<string?> ClientSecret { get; } = ValueOptions.Text("--oidc-client-secret", "SECRET", "the client's secret", "\"$OIDC_CLIENT_SECRET\"",
        "Client secret, for confidential clients only [env: OIDC_CLIENT_SECRET]");
    public Option<string?> Scopes { get; } = ValueOptions.Text("--oidc-scopes", "SCOPES", "space-separated scopes in quotes", "\"openid profile email\"",
        "Space-separated scopes; openid is always sent first [env: OIDC_SCOPES] [default: openid profile email]");
    public Option<string?> RedirectUrl { get; } = ValueOptions.Text("--oidc-redirect-url", "URL", "an http:// URL on localhost or 127.0.0.1, registered with your client", DefaultRedirect,
        $"Loopback redirect URL registered with the client; the bridge listens on 127.0.0.1 at its port (localhost is the name authful-mcp-proxy registers) [env: OIDC_REDIRECT_URL] [default: {DefaultRedirect}]");
    public Option<bool> NoBanner { get; } = new("--no-banner") { Description = "Do not print the start-up banner" };
    public Option<bool> Silent { get; } = new("--silent") { Description = "Log errors only" };
    public Option<bool> Debug { get; } = new("--debug") { Description = "Log everything, including HTTP exchanges (secrets shown only as fingerprints) [env: MCP_PROXY_DEBUG=1|true|yes|on]" };
    public Option<int?> LoginTimeout { get; } = ValueOptions.Seconds("--login-timeout", "120", "Seconds to wait for the browser sign-in [env: MCP_PROXY_LOGIN_TIMEOUT] [default: 300]");
    public Option<int?> SignInWait { get; } = ValueOptions.Seconds("--sign-in-wait", "45", "Seconds a request waits for a pending sign-in before it is answered with an error [env: MCP_PROXY_SIGN_IN_WAIT] [default: 45]");
    public Option<string?> TokenDir { get; } = TokenDirOption();
    public Option<string?> Transport { get; } = ValueOptions.Text("--transport", "MODE", "auto, streamable-http or sse", "streamable-http",
        "auto, streamable-http or sse [env: MCP_PROXY_TRANSPORT] [default: auto]");
    public Option<string?> Resource { get; } = ValueOptions.Text("--resource", "URI", "an absolute URI without a fragment (usually the MCP server's URL)", "https://mcp.example.com/mcp",
        "RFC 8707 resource to request tokens for (some identity providers need it to issue an audience) [env: MCP_PROXY_RESOURCE]");
    public Option<string[]> Headers { get; } = new ValueOption<string[]>("--header", "a header in quotes, 'Name: value'", "'X-Api-Key: 123'")
    {
        Description = "Extra header for the MCP server, 'Name: value' (repeatable)",
        HelpName = "HEADER",
        AllowMultipleArgumentsPerToken = false,
    };
    public Option<string?> ClientMetadataUrl { get; } = ValueOptions.Text("--client-metadata-url", "URL", "an https URL with a path (your Client ID Metadata Document)", "https://app.example.com/oauth/client-metadata.json",
        "Client ID Metadata Document URL to use as the client id where the authorization server supports it (discovery mode) [env: MCP_PROXY_CLIENT_METADATA_URL]");
    public Option<string?> AuthFlow { get; } = ValueOptions.Text("--auth-flow", "FLOW", "browser, device or client-credentials", "device",
        "browser (authorization code + PKCE), device (RFC 8628 device code, for machines without a browser) or client-credentials (machine to machine) [env: MCP_PROXY_AUTH_FLOW] [default: browser]");
    public Option<string?> ClientPrivateKey { get; } = ValueOptions.Text("--client-private-key", "PATH", "the path of an existing PEM private key file", "key.pem",
        "PEM private key (EC or RSA) for private_key_jwt client authentication [env: MCP_PROXY_CLIENT_PRIVATE_KEY]");
    public Option<int?> MaxMessageSize { get; } = MiB("--max-message-size", "128", "Largest answer of the MCP server to read, in MiB; a larger one is answered with an error instead [env: MCP_PROXY_MAX_MESSAGE_SIZE] [default: 64]");
    public Option<bool> NoResource { get; } = new("--no-resource") { Description = "Send no RFC 8707 resource parameter, for identity providers that reject it [env: MCP_PROXY_NO_RESOURCE=1|true|yes|on]" };
    public Option<bool> LogToFile { get; } = new("--log-to-file") { Description = "Accepted for compatibility with authful-mcp-proxy-rs; logs always go to stderr", Hidden = true };

    /// <summary>authful-mcp-proxy's redirect URL, which users have registered at their identity providers.</summary>
    public const string DefaultRedirect = "http://localhost:8080/auth/callback";

    /// <summary>A positive whole number of MiB; null when not given.</summary>
    private static ValueOption<int?> MiB(string name, string example, string description)
    {
        var option = new ValueOption<int?>(name, "a whole number of MiB (1 or more)", example) { HelpName = "MIB", Description = description };
        option.CustomParser = result => ValueOptions.Whole(result, option, 1, 1024 * 1024);
        return option;
    }

    /// <summary>The token cache folder option, shared by the bridge, login, logout and status.</summary>
    public static ValueOption<string?> TokenDirOption() => ValueOptions.Text("--token-dir", "PATH", "a folder", "~/.mcp/tokens",
        $"Folder of the token cache [env: MCP_PROXY_TOKEN_DIR] [default: {FileTokenStore.DefaultDirectory}]");

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
    private static string? Value(ParseResult parse, Option<string?> option, string variable) => Read(parse, option, variable).Value;

    /// <summary>The flag's value, else the variable's, with the name the user wrote it under (for the error about it).</summary>
    private static Given Read(ParseResult parse, Option<string?> option, string variable) =>
        NonEmpty(parse.GetValue(option)) is { } flag ? new(flag, option.Name, false)
        : NonEmpty(Environment.GetEnvironmentVariable(variable)) is { } set ? new(set, variable, true)
        : new(null, option.Name, false);

    /// <summary>"--transport takes auto, ... ; 'x' is not one." or "MCP_PROXY_TRANSPORT='x' is not auto, ...; set e.g. ...".</summary>
    private static string Wrong(Given given, Option option)
    {
        var kind = (IValueOption)option;
        return given.FromVariable
            ? $"{given.Source}='{given.Value}' is not {kind.Kind}; set e.g. {given.Source}={kind.Example}."
            : UsageErrors.WrongValue(given.Source, kind, given.Value ?? "");
    }

    private readonly record struct Given(string? Value, string Source, bool FromVariable);

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

        var debugVariable = Switch("MCP_PROXY_DEBUG", out var variableError);
        error ??= variableError;
        return debug || debugVariable ? Microsoft.Extensions.Logging.LogLevel.Debug : Microsoft.Extensions.Logging.LogLevel.Information;
    }

    /// <summary>An on/off environment variable: 1, true, yes, on or 0, false, no, off (any case); unset or empty is off.</summary>
    private static bool Switch(string variable, out string? error)
    {
        error = null;
        switch (NonEmpty(Environment.GetEnvironmentVariable(variable))?.ToLowerInvariant())
        {
            case null or "0" or "false" or "no" or "off":
                return false;
            case "1" or "true" or "yes" or "on":
                return true;
            case { } other:
                error = $"{variable}='{other}' is neither on (1, true, yes, on) nor off (0, false, no, off); set e.g. {variable}=1.";
                return false;
        }
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
                errors.Add("No MCP server URL given: pass it as the argument (mcp-auth-proxy https://mcp.example.com/mcp) or set MCP_BACKEND_URL; 'mcp-auth-proxy --help' lists the other commands (demo, gateway, login, ...).");
            }
        }
        else if (!TryHttpUrl(urlText, out url))
        {
            var guess = urlText.Contains("://", StringComparison.Ordinal) ? "https://mcp.example.com/mcp" : "https://" + urlText;
            errors.Add($"The MCP server URL '{urlText}' is not an absolute http(s) URL; write e.g. {guess}.");
        }

        var oauth = ToOAuthOptions(parse, errors);

        var transport = BridgeTransport.Auto;
        var transportGiven = Read(parse, Transport, "MCP_PROXY_TRANSPORT");
        switch (transportGiven.Value?.ToLowerInvariant())
        {
            case null or "auto":
                break;
            case "streamable-http" or "streamablehttp" or "http":
                transport = BridgeTransport.StreamableHttp;
                break;
            case "sse":
                transport = BridgeTransport.Sse;
                break;
            default:
                errors.Add(Wrong(transportGiven, Transport));
                break;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in parse.GetValue(Headers) ?? [])
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                errors.Add(UsageErrors.WrongValue(Headers.Name, (IValueOption)Headers, header));
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
        var issuerGiven = Read(parse, Issuer, "OIDC_ISSUER_URL");
        var issuerText = issuerGiven.Value;
        var clientId = Value(parse, ClientId, "OIDC_CLIENT_ID");
        Uri? issuer = null;
        if (issuerText is not null && !TryHttpUrl(issuerText, out issuer))
        {
            errors.Add(Wrong(issuerGiven, Issuer));
        }

        var flow = OAuth.AuthFlow.Browser;
        var flowGiven = Read(parse, AuthFlow, "MCP_PROXY_AUTH_FLOW");
        switch (flowGiven.Value?.ToLowerInvariant())
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
            default:
                errors.Add(Wrong(flowGiven, AuthFlow));
                break;
        }

        var privateKeyGiven = Read(parse, ClientPrivateKey, "MCP_PROXY_CLIENT_PRIVATE_KEY");
        var privateKey = privateKeyGiven.Value;
        if (privateKey is not null && !File.Exists(privateKey))
        {
            errors.Add(Wrong(privateKeyGiven, ClientPrivateKey));
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
        var metadataGiven = Read(parse, ClientMetadataUrl, "MCP_PROXY_CLIENT_METADATA_URL");
        var metadataText = metadataGiven.Value;
        if (metadataText is not null && (!Uri.TryCreate(metadataText, UriKind.Absolute, out metadataUrl) || metadataUrl.Scheme != Uri.UriSchemeHttps || metadataUrl.AbsolutePath.Length <= 1))
        {
            errors.Add(Wrong(metadataGiven, ClientMetadataUrl));
        }

        var redirectRead = Read(parse, RedirectUrl, "OIDC_REDIRECT_URL");
        var redirectGiven = redirectRead.Value;
        var redirectText = redirectGiven ?? DefaultRedirect;
        if (!Uri.TryCreate(redirectText, UriKind.Absolute, out var redirect) || redirect.Scheme != Uri.UriSchemeHttp
            || !OAuth.Authorization.AuthorizationUrl.IsLoopback(redirect))
        {
            errors.Add(Wrong(redirectRead, RedirectUrl));
            redirect = null;
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
        var resourceGiven = Read(parse, Resource, "MCP_PROXY_RESOURCE");
        var resource = resourceGiven.Value;
        if (resource is not null && (!Uri.TryCreate(resource, UriKind.Absolute, out var resourceUri) || resourceUri.Fragment.Length > 0))
        {
            // RFC 8707: an absolute URI without a fragment.
            errors.Add(Wrong(resourceGiven, Resource));
        }

        var omitResource = Switch("MCP_PROXY_NO_RESOURCE", out var noResourceError) | parse.GetValue(NoResource);
        if (noResourceError is not null)
        {
            errors.Add(noResourceError);
        }

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
        // The flag's value was checked by its parser; only the variable is read here.
        if (parse.GetValue(option) is { } given)
        {
            return given;
        }

        var text = NonEmpty(Environment.GetEnvironmentVariable(variable));
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            errors.Add($"{variable}='{text}' is not a whole number of {unit} (1 or more); set e.g. {variable}={fallback}.");
            return fallback;
        }

        return value;
    }

    private static bool TryHttpUrl(string text, out Uri? url) =>
        Uri.TryCreate(text, UriKind.Absolute, out url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) && url.Host.Length > 0;
}
