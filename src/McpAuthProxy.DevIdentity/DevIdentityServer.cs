using McpAuthProxy.DevIdentity.Seeding;
using McpAuthProxy.DevIdentity.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;

namespace McpAuthProxy.DevIdentity;

/// <summary>
/// The embedded development identity provider: an OpenIddict server on loopback with everything in memory
/// (clients, grants, tokens, an ephemeral RSA signing key). Start it, read <see cref="Issuer"/>, dispose it.
/// </summary>
public sealed partial class DevIdentityServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DevIdentityState _state;
    private readonly ILogger _logger;
    private int _disposed;

    private DevIdentityServer(WebApplication app, DevIdentityState state, Uri issuer)
    {
        _app = app;
        _state = state;
        Issuer = issuer;
        _logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<DevIdentityServer>();
    }

    /// <summary>The issuer, e.g. <c>http://127.0.0.1:53124/</c> (OpenIddict keeps the trailing slash). Metadata is under it.</summary>
    public Uri Issuer { get; }

    /// <summary>The authorization endpoint (where a browser starts signing in).</summary>
    public Uri AuthorizationEndpoint => new(Issuer, "connect/authorize");

    /// <summary>The token endpoint.</summary>
    public Uri TokenEndpoint => new(Issuer, "connect/token");

    /// <summary>The device authorization endpoint (RFC 8628).</summary>
    public Uri DeviceAuthorizationEndpoint => new(Issuer, "connect/device");

    /// <summary>The dynamic client registration endpoint (RFC 7591).</summary>
    public Uri RegistrationEndpoint => new(Issuer, "connect/register");

    /// <summary>The JSON Web Key Set.</summary>
    public Uri JwksUri => new(Issuer, ".well-known/jwks");

    /// <summary>The user who can sign in.</summary>
    public DevIdentityUser User => _state.User;

    /// <summary>Every registered client, seeded and dynamically registered.</summary>
    public IReadOnlyList<DevIdentityClient> Clients => _state.Clients;

    /// <summary>The scopes the server accepts.</summary>
    public IReadOnlyList<string> Scopes => _state.Scopes;

    /// <summary>
    /// What a person needs to use the server, one fact per line: issuer, metadata, clients (ids, secrets, grants,
    /// redirect rules), the user and password, the scopes. No line is a token.
    /// </summary>
    public string Describe()
    {
        var text = new System.Text.StringBuilder();
        text.Append("issuer:    ").AppendLine(Issuer.AbsoluteUri);
        text.Append("metadata:  ").AppendLine(new Uri(Issuer, ".well-known/openid-configuration").AbsoluteUri);
        text.Append("           ").AppendLine(new Uri(Issuer, ".well-known/oauth-authorization-server").AbsoluteUri);
        text.Append("register:  ").AppendLine(RegistrationEndpoint.AbsoluteUri);
        text.Append("user:      ").Append(User.UserName).Append("  password: ").AppendLine(User.Password);
        text.Append("scopes:    ").AppendLine(string.Join(' ', Scopes));
        text.Append("resources: ").AppendLine(_state.Options.Resources is { Count: > 0 } resources
            ? string.Join(' ', resources.Select(r => r.AbsoluteUri))
            : "any (RFC 8707 resource becomes the token audience)");
        if (_state.Options.AutoApprove)
        {
            text.AppendLine("sign-in:   automatic (every request is approved for the user above)");
        }

        text.AppendLine("clients:");
        foreach (var client in Clients)
        {
            text.Append("  ").Append(client.ClientId);
            text.Append(client.ClientSecret is null ? "  public" : "  secret: " + client.ClientSecret);
            text.Append("  grants: ").Append(string.Join(',', client.GrantTypes));
            if (client.AnyLoopbackRedirect)
            {
                text.Append("  redirect: any http loopback (127.0.0.1, [::1], localhost), any port, any path");
            }
            else if (client.RedirectUris.Count > 0)
            {
                text.Append("  redirect: ").Append(string.Join(' ', client.RedirectUris.Select(u => u.AbsoluteUri))).Append(" (loopback: any port)");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    /// <summary>Starts the server and returns once it listens. An address in use throws <see cref="IOException"/>.</summary>
    public static async Task<DevIdentityServer> StartAsync(DevIdentityOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DevIdentityOptions();
        var listenUrl = options.ListenUrl ?? new Uri("http://127.0.0.1:0");
        var scopes = DevIdentityDefaults.Scopes.Concat(options.ExtraScopes ?? []).Distinct(StringComparer.Ordinal).ToList();
        var state = new DevIdentityState(options, options.User ?? DevIdentityDefaults.User, scopes);
        var app = DevIdentityHost.Build(options, state, listenUrl);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var issuer = new Uri(app.Urls.First() + "/", UriKind.Absolute);

            // The port is known only now; nothing can have called the server before this line.
            var serverOptions = app.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue;
            serverOptions.Issuer = issuer;
            state.Issuer = issuer;

            using (var scope = app.Services.CreateScope())
            {
                var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
                foreach (var client in options.Clients ?? DevIdentityDefaults.Clients)
                {
                    await ClientSeeder.AddAsync(manager, client, cancellationToken).ConfigureAwait(false);
                    state.Remember(client);
                }
            }

            var server = new DevIdentityServer(app, state, issuer);
            server.LogStarted(issuer);
            return server;
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Registers another client (e.g. one per test).</summary>
    public async Task AddClientAsync(DevIdentityClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var scope = _app.Services.CreateScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        await ClientSeeder.AddAsync(manager, client, cancellationToken).ConfigureAwait(false);
        _state.Remember(client);
    }

    /// <summary>
    /// Revokes every grant, refresh token and device code of a user and ends their browser sessions, so the next
    /// refresh fails with invalid_grant and the next sign-in shows the sign-in page. Returns the number of tokens revoked.
    /// </summary>
    public async Task<long> RevokeUserAsync(string? userName = null, CancellationToken cancellationToken = default)
    {
        var user = _state.User;
        if (userName is not null && !string.Equals(userName, user.UserName, StringComparison.Ordinal))
        {
            return 0;
        }

        using var scope = _app.Services.CreateScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var authorizations = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
        await authorizations.RevokeBySubjectAsync(user.Subject, cancellationToken).ConfigureAwait(false);
        var revoked = await tokens.RevokeBySubjectAsync(user.Subject, cancellationToken).ConfigureAwait(false);
        _state.Sessions.RemoveSubject(user.Subject);
        LogTokensRevoked(user.UserName, revoked);
        return revoked;
    }

    /// <summary>Stops listening and releases everything.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            LogStopped(Issuer);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
