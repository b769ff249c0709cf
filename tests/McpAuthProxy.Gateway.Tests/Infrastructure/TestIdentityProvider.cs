using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.Gateway.Tests.Infrastructure;

/// <summary>
/// A real issuer on a socket: an RSA key pair, OIDC discovery and a JWKS served by Kestrel on 127.0.0.1:0, and tokens
/// signed with IdentityModel's JsonWebTokenHandler. Keys can be rotated and tokens can be signed with keys it does not publish.
/// </summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _lock = new();
    private List<RsaSecurityKey> _published = [];
    private RsaSecurityKey _current;
    private int _jwksFetches;

    private TestIdentityProvider(WebApplication app, RsaSecurityKey key)
    {
        _app = app;
        _current = key;
        _published.Add(key);
    }

    public string Issuer { get; private set; } = "";

    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    public string CurrentKeyId => _current.KeyId;

    /// <summary>How <c>/token</c> answers (the gateway's front exchanges codes and refresh tokens there).</summary>
    public TokenEndpointBehavior TokenBehavior { get; set; }

    /// <summary>Query strings received at <c>/authorize</c>.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> AuthorizeRequests { get; } = new();

    /// <summary>Authorization header and form of each request to <c>/token</c>.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(string Authorization, Dictionary<string, string> Form)> TokenRequests { get; } = new();

    public static RsaSecurityKey NewKey() => new(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N")[..12] };

    public static async Task<TestIdentityProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var idp = new TestIdentityProvider(app, NewKey());
        app.MapGet("/.well-known/openid-configuration", (RequestDelegate)(context => context.Response.WriteAsync(idp.Discovery("openid"))));
        app.MapGet("/.well-known/oauth-authorization-server", (RequestDelegate)(context => context.Response.WriteAsync(idp.Discovery("oauth"))));
        app.MapGet("/jwks", (RequestDelegate)(context =>
        {
            Interlocked.Increment(ref idp._jwksFetches);
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(idp.Jwks());
        }));
        // Stand-ins for an authorization server's token and registration endpoints: they answer with what they received.
        foreach (var path in new[] { "/oauth/token", "/oidc/register" })
        {
            app.MapPost(path, (RequestDelegate)(async context =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var received = await reader.ReadToEndAsync(context.RequestAborted);
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string>
                {
                    ["path"] = context.Request.Path,
                    ["content_type"] = context.Request.ContentType ?? "",
                    ["authorization"] = context.Request.Headers.Authorization.ToString(),
                    ["body"] = received,
                }), context.RequestAborted);
            }));
        }

        // An authorization server for the gateway's front: /authorize signs the user in at once and returns a code, /token
        // answers as TokenBehavior says and records what it was sent.
        app.MapGet("/authorize", (RequestDelegate)(context =>
        {
            var query = context.Request.Query;
            idp.AuthorizeRequests.Enqueue(context.Request.QueryString.Value ?? "");
            var code = "code-" + Guid.NewGuid().ToString("N")[..8];
            context.Response.Redirect($"{query["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(query["state"].ToString())}&iss={Uri.EscapeDataString(idp.Issuer)}");
            return Task.CompletedTask;
        }));
        app.MapPost("/token", (RequestDelegate)(async context =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            idp.TokenRequests.Enqueue((context.Request.Headers.Authorization.ToString(), form.ToDictionary(f => f.Key, f => f.Value.ToString())));
            switch (idp.TokenBehavior)
            {
                case TokenEndpointBehavior.Garbage:
                    context.Response.StatusCode = 500;
                    context.Response.ContentType = "text/html";
                    await context.Response.WriteAsync("<html><body>Internal error</body></html>", context.RequestAborted);
                    return;
                case TokenEndpointBehavior.Unavailable:
                    context.Response.StatusCode = 503;
                    return;
                case TokenEndpointBehavior.Hang:
                    await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
                    return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["access_token"] = idp.Issue(form["resource"].ToString(), "alice", "mcp:tools"),
                ["token_type"] = "Bearer",
                ["expires_in"] = 3600,
                ["refresh_token"] = "rt-" + Guid.NewGuid().ToString("N")[..8],
                ["id_token"] = "id-token-for-the-gateway",
                ["scope"] = "mcp:tools",
            }), context.RequestAborted);
        }));

        await app.StartAsync(TestContext.Current.CancellationToken);
        idp.Issuer = app.Urls.Single().TrimEnd('/');
        return idp;
    }

    private string Discovery(string flavour) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["issuer"] = Issuer,
        ["jwks_uri"] = Issuer + "/jwks",
        ["authorization_endpoint"] = Issuer + "/authorize",
        ["token_endpoint"] = Issuer + "/token",
        ["response_types_supported"] = new[] { "code" },
        ["code_challenge_methods_supported"] = new[] { "S256" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        ["x_flavour"] = flavour,
    });

    private string Jwks()
    {
        List<RsaSecurityKey> keys;
        lock (_lock)
        {
            keys = [.. _published];
        }

        return JsonSerializer.Serialize(new
        {
            keys = keys.Select(k =>
            {
                var p = k.Rsa.ExportParameters(false);
                return new Dictionary<string, string>
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = "RS256",
                    ["kid"] = k.KeyId,
                    ["n"] = Base64UrlEncoder.Encode(p.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(p.Exponent),
                };
            }),
        });
    }

    /// <summary>Publishes a new signing key and signs with it from now on; the old key stays published unless dropped.</summary>
    public void RotateKey(RsaSecurityKey next, bool dropOld)
    {
        lock (_lock)
        {
            _published = dropOld ? [next] : [.. _published, next];
            _current = next;
        }
    }

    /// <summary>The key tokens are signed with now.</summary>
    public (RsaSecurityKey Current, IReadOnlyList<RsaSecurityKey> Published) Keys
    {
        get
        {
            lock (_lock)
            {
                return (_current, [.. _published]);
            }
        }
    }

    public string PublicKeyPem => _current.Rsa.ExportSubjectPublicKeyInfoPem();

    /// <summary>Signs an access token. Null lifetimes mean "valid now for an hour"; pass <paramref name="noExpiry"/> for a token without exp.</summary>
    public string Issue(string audience, string? subject = "alice", string? scope = null, string? issuer = null,
        DateTime? notBefore = null, DateTime? expires = null, bool noExpiry = false, SecurityKey? signingKey = null, string algorithm = SecurityAlgorithms.RsaSha256,
        string clientId = "test-client", IDictionary<string, object>? extraClaims = null, string? tokenType = "at+jwt", IDictionary<string, object>? header = null)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object> { ["client_id"] = clientId };
        if (subject is not null)
        {
            claims["sub"] = subject;
        }

        foreach (var (name, value) in extraClaims ?? new Dictionary<string, object>())
        {
            claims[name] = value;
        }

        if (scope is not null)
        {
            claims["scope"] = scope;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            IssuedAt = notBefore ?? now,
            NotBefore = notBefore ?? now,
            Expires = noExpiry ? null : expires ?? now.AddHours(1),
            Claims = claims,
            TokenType = tokenType,
            AdditionalHeaderClaims = header,
            SigningCredentials = new SigningCredentials(signingKey ?? _current, algorithm),
        };
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = !noExpiry };
        return handler.CreateToken(descriptor);
    }

    /// <summary>An unsigned token (<c>alg: none</c>) that is otherwise perfect.</summary>
    public string IssueUnsigned(string audience, string subject = "alice", string? scope = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var payload = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["iss"] = Issuer,
            ["aud"] = audience,
            ["sub"] = subject,
            ["scope"] = scope,
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + 3600,
        }));
        return $"{header}.{payload}.";
    }

    /// <summary>The classic key-confusion forgery: HS256 keyed with the issuer's public key, with the real key's kid.</summary>
    public string IssueHmacWithPublicKey(string audience, string subject = "mallory", string? scope = null)
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(PublicKeyPem)) { KeyId = _current.KeyId };
        return Issue(audience, subject, scope, signingKey: key, algorithm: SecurityAlgorithms.HmacSha256);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>How the test issuer's token endpoint answers.</summary>
public enum TokenEndpointBehavior
{
    Tokens,
    Garbage,
    Unavailable,
    Hang,
}
