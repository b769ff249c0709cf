namespace McpAuthProxy.DevIdentity;

/// <summary>The seeded clients, user and scopes, and the names of the sign-in form fields.</summary>
public static class DevIdentityDefaults
{
    public const string AuthorizationCodeGrant = "authorization_code";
    public const string RefreshTokenGrant = "refresh_token";
    public const string ClientCredentialsGrant = "client_credentials";
    public const string DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code";

    /// <summary>Scope that lets a client use the MCP server's tools.</summary>
    public const string McpToolsScope = "mcp:tools";

    /// <summary>Scope that the gateway demands for administrative tools.</summary>
    public const string McpAdminScope = "mcp:admin";

    /// <summary>Public native client for the bridge: any loopback redirect, PKCE.</summary>
    public const string BridgeClientId = "mcp-bridge";

    /// <summary>Confidential client for machine-to-machine calls (client credentials).</summary>
    public const string ServiceClientId = "mcp-service";

    /// <summary>The secret of <see cref="ServiceClientId"/>.</summary>
    public const string ServiceClientSecret = "mcp-service-secret";

    /// <summary>Public client for the device authorization grant (RFC 8628).</summary>
    public const string DeviceClientId = "mcp-device";

    /// <summary>Form field names of the sign-in page (POST to the form's action).</summary>
    public const string UserNameField = "username";

    /// <summary>Form field name of the password on the sign-in page.</summary>
    public const string PasswordField = "password";

    /// <summary>Name of the consent buttons; value <see cref="Allow"/> or <see cref="Deny"/>.</summary>
    public const string DecisionField = "decision";

    public const string Allow = "allow";
    public const string Deny = "deny";

    /// <summary>The demo user, whose credentials the sign-in page shows.</summary>
    public static DevIdentityUser User { get; } = new("demo", "demo-password", "demo-user", "Demo User", "demo@example.test");

    /// <summary>Scopes every server accepts.</summary>
    public static IReadOnlyList<string> Scopes { get; } = ["openid", "profile", "email", "offline_access", McpToolsScope, McpAdminScope];

    /// <summary>The clients seeded when <see cref="DevIdentityOptions.Clients"/> is null.</summary>
    public static IReadOnlyList<DevIdentityClient> Clients { get; } =
    [
        new()
        {
            ClientId = BridgeClientId,
            DisplayName = "mcp-auth-proxy bridge",
            AnyLoopbackRedirect = true,
        },
        new()
        {
            ClientId = ServiceClientId,
            ClientSecret = ServiceClientSecret,
            DisplayName = "MCP service account",
            GrantTypes = [ClientCredentialsGrant],
        },
        new()
        {
            ClientId = DeviceClientId,
            DisplayName = "MCP device client",
            GrantTypes = [DeviceCodeGrant, RefreshTokenGrant],
        },
    ];
}
