namespace McpAuthProxy.OAuth;

/// <summary>How a token is obtained.</summary>
public enum AuthFlow
{
    /// <summary>Authorization code + PKCE in the browser, with a loopback redirect.</summary>
    Browser,

    /// <summary>RFC 8628 device authorization: a code to enter on another device, for machines without a browser.</summary>
    Device,

    /// <summary>Client credentials with a secret or a <c>private_key_jwt</c> key: no user at all.</summary>
    ClientCredentials,
}

/// <summary>How the bridge signs in. Null members mean "the default".</summary>
public sealed record OAuthClientOptions
{
    /// <summary>
    /// The issuer the user configured (authful-mcp-proxy mode); null means MCP authorization discovery: the issuer
    /// comes from the server's 401 and its protected resource metadata, and the client id from pre-registration,
    /// a Client ID Metadata Document or dynamic registration.
    /// </summary>
    public Uri? Issuer { get; init; }

    public string? ClientId { get; init; }

    public string? ClientSecret { get; init; }

    /// <summary>A Client ID Metadata Document URL to use as the client id where the server supports it.</summary>
    public Uri? ClientMetadataUrl { get; init; }

    public AuthFlow Flow { get; init; } = AuthFlow.Browser;

    /// <summary>A PEM private key (EC or RSA) for <c>private_key_jwt</c> client authentication.</summary>
    public string? PrivateKeyPath { get; init; }

    /// <summary>Whether <see cref="Scopes"/> were given by the user (in discovery mode they are a fallback only).</summary>
    public bool ScopesConfigured { get; init; }

    /// <summary>Whether <see cref="RedirectUri"/> was given by the user.</summary>
    public bool RedirectConfigured { get; init; }

    /// <summary>Scopes to ask for; in authful mode <c>openid</c> is always first.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = ["openid", "profile", "email"];

    /// <summary>The loopback redirect URI, sent byte for byte as given.</summary>
    public Uri RedirectUri { get; init; } = new("http://localhost:8080/auth/callback");

    /// <summary>RFC 8707 resource to send on authorization, token and refresh requests; null sends none.</summary>
    public string? Resource { get; init; }

    /// <summary>Send no RFC 8707 <c>resource</c> at all, for identity providers that reject it.</summary>
    public bool OmitResource { get; init; }

    /// <summary>How long the browser sign-in may take.</summary>
    public TimeSpan LoginTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a request waits for a pending sign-in before it is answered with an error.</summary>
    public TimeSpan SignInWait { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>Folder of the token files.</summary>
    public string TokenDirectory { get; init; } = Tokens.FileTokenStore.DefaultDirectory;

    /// <summary>
    /// Opens the authorization URL instead of the user's browser: for a program that signs in on the user's behalf
    /// (<c>demo --check</c>). Null opens the browser named by <c>$BROWSER</c> or the platform's launcher.
    /// </summary>
    public Func<Uri, CancellationToken, Task>? Browser { get; init; }

    /// <summary>Whether a browser sign-in may be started (false for <c>status</c>-like uses).</summary>
    public bool Interactive { get; init; } = true;

    /// <summary>
    /// These options for <paramref name="server"/>: in discovery mode without a configured redirect, a loopback
    /// redirect whose port is stable for one server (so a registered client keeps working) and unlikely to clash:
    /// 20000-32767 lies below the ephemeral port ranges of Linux (32768+), macOS and Windows (49152+).
    /// </summary>
    public OAuthClientOptions ForServer(Uri server)
    {
        if (Issuer is not null || RedirectConfigured)
        {
            return this;
        }

        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(server.AbsoluteUri));
        var port = 20000 + (BitConverter.ToUInt16(hash, 0) % 12768);
        return this with { RedirectUri = new Uri($"http://127.0.0.1:{port}/oauth/callback") };
    }
}
