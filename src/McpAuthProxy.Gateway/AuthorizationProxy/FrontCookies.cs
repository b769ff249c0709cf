using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>
/// The front's browser cookies, all <c>__Host-</c>, Secure, HttpOnly, Path=/ (MCP security best practices):
/// <list type="bullet">
/// <item>consent, one per MCP client (SameSite=Lax): signed, naming the client id, redirect URI and scopes the user approved, with an expiry;</item>
/// <item>state, one per sign-in (SameSite=Lax, 10 minutes): set only after approval, right before the redirect to the provider, and
/// required at the callback;</item>
/// <item>CSRF (SameSite=Strict, session): a random value whose MAC with the pending request is the consent form's token.</item>
/// </list>
/// </summary>
internal sealed class FrontCookies(FrontKeys keys, TimeProvider time)
{
    public const string CsrfCookie = "__Host-mcp-csrf";
    private const string ConsentPrefix = "__Host-mcp-consent-";
    private const string StatePrefix = "__Host-mcp-state-";

    private static CookieOptions Options(SameSiteMode sameSite, TimeSpan? maxAge) => new()
    {
        Secure = true,
        HttpOnly = true,
        SameSite = sameSite,
        Path = "/",
        MaxAge = maxAge,
        IsEssential = true,
    };

    public static string ConsentCookieName(FrontKeys keys, string clientId) => ConsentPrefix + keys.Tag("consent-name", clientId)[..16];

    /// <summary>True when this browser approved this client, for this redirect URI and at least these scopes, and it has not expired.</summary>
    public bool HasConsent(HttpContext context, AuthorizationRequest request)
    {
        var payload = keys.Verify("consent", context.Request.Cookies[ConsentCookieName(keys, request.Client.ClientId)]);
        if (payload is null)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            var approved = root.GetProperty("s").EnumerateArray().Select(s => s.GetString()).ToHashSet(StringComparer.Ordinal);
            return root.GetProperty("c").GetString() == request.Client.ClientId
                && root.GetProperty("r").GetString() == request.RedirectUri
                && root.GetProperty("e").GetInt64() > time.GetUtcNow().ToUnixTimeSeconds()
                && request.Scopes.All(approved.Contains);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    public void SetConsent(HttpContext context, AuthorizationRequest request, TimeSpan lifetime)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("c", request.Client.ClientId);
            writer.WriteString("r", request.RedirectUri);
            writer.WriteStartArray("s");
            foreach (var scope in request.Scopes)
            {
                writer.WriteStringValue(scope);
            }

            writer.WriteEndArray();
            writer.WriteNumber("e", time.GetUtcNow().Add(lifetime).ToUnixTimeSeconds());
            writer.WriteEndObject();
        }

        context.Response.Cookies.Append(ConsentCookieName(keys, request.Client.ClientId), keys.Sign("consent", buffer.ToArray()), Options(SameSiteMode.Lax, lifetime));
    }

    public static string StateCookieName(string state) => StatePrefix + state[..Math.Min(12, state.Length)];

    public void SetState(HttpContext context, string state, TimeSpan lifetime) =>
        context.Response.Cookies.Append(StateCookieName(state), state, Options(SameSiteMode.Lax, lifetime));

    /// <summary>True when the callback's <c>state</c> is the one this browser was given after approving.</summary>
    public static bool StateMatches(HttpContext context, string state) =>
        context.Request.Cookies[StateCookieName(state)] is { } cookie
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(cookie), Encoding.UTF8.GetBytes(state));

    public void DeleteState(HttpContext context, string state) =>
        context.Response.Cookies.Delete(StateCookieName(state), Options(SameSiteMode.Lax, null));

    /// <summary>This browser's CSRF value (made and set now if it has none).</summary>
    public string CsrfValue(HttpContext context)
    {
        if (context.Request.Cookies[CsrfCookie] is { Length: 43 } existing)
        {
            return existing;
        }

        var value = FrontKeys.NewHandle();
        context.Response.Cookies.Append(CsrfCookie, value, Options(SameSiteMode.Strict, null));
        return value;
    }

    public string CsrfToken(string csrfValue, string transaction) => keys.Tag("csrf", csrfValue + "|" + transaction);

    public bool CsrfTokenMatches(HttpContext context, string? transaction, string? token) =>
        transaction is not null && context.Request.Cookies[CsrfCookie] is { } value && keys.TagMatches("csrf", value + "|" + transaction, token);
}
