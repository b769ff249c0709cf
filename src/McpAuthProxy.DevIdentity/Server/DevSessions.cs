using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.DevIdentity.Server;

/// <summary>A signed-in browser: who, and the token its forms must echo back (anti-forgery).</summary>
internal sealed record DevSession(string Subject, string Csrf);

/// <summary>Browser sessions in memory, keyed by a random cookie value.</summary>
internal sealed class DevSessions
{
    public const string CookieName = "devidp_session";

    private readonly ConcurrentDictionary<string, DevSession> _sessions = new(StringComparer.Ordinal);

    public DevSession? Find(HttpContext context) =>
        context.Request.Cookies.TryGetValue(CookieName, out var id) && id is not null && _sessions.TryGetValue(id, out var session) ? session : null;

    public void SignIn(HttpContext context, string subject)
    {
        var id = NewSecret();
        _sessions[id] = new DevSession(subject, NewSecret());
        context.Response.Cookies.Append(CookieName, id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Path = "/",
            IsEssential = true,
        });
    }

    public int RemoveSubject(string subject)
    {
        var removed = 0;
        foreach (var (id, session) in _sessions)
        {
            if (string.Equals(session.Subject, subject, StringComparison.Ordinal) && _sessions.TryRemove(id, out _))
            {
                removed++;
            }
        }

        return removed;
    }

    public static bool CsrfMatches(DevSession session, string? presented) =>
        presented is not null &&
        CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(session.Csrf), System.Text.Encoding.UTF8.GetBytes(presented));

    private static string NewSecret() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    private static string Base64UrlEncode(byte[] bytes) => Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(bytes);
}
