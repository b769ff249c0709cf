using System.Net.Http.Headers;
using System.Text;

namespace McpAuthProxy.OAuth.Tokens;

/// <summary>
/// RFC 6749 section 2.3.1 client authentication: <c>Authorization: Basic base64(urlencode(id):urlencode(secret))</c>.
/// The form-encoding of both parts is what the RFC asks for, and what providers that accept any character in a secret need.
/// </summary>
public static class ClientSecretBasic
{
    public static AuthenticationHeaderValue Header(string clientId, string? clientSecret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret ?? "")}")));
}
