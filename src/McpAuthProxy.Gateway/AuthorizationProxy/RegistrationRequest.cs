using System.Text.Json;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>
/// An RFC 7591 registration the gateway accepts: 1 to 10 redirect URIs, each native loopback or https
/// (<see cref="RedirectUriRules"/>), the code and refresh grants only, and an optional name (control characters
/// dropped, 100 characters at most). The client is public: whatever authentication method it asks for, it gets <c>none</c>.
/// </summary>
internal sealed record RegistrationRequest(string? ClientName, IReadOnlyList<string> RedirectUris)
{
    private static readonly string[] AllowedGrants = ["authorization_code", "refresh_token"];

    /// <summary>The request, or why it is refused (as an RFC 7591 error).</summary>
    public static (RegistrationRequest? Request, RegistrationOutcome? Refusal) Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return (null, RegistrationOutcome.Fail("invalid_client_metadata", "the registration request must be a JSON object"));
        }

        if (!body.TryGetProperty("redirect_uris", out var uris) || uris.ValueKind != JsonValueKind.Array || uris.GetArrayLength() is 0 or > 10)
        {
            return (null, RegistrationOutcome.Fail("invalid_redirect_uri", "redirect_uris must list 1 to 10 redirect URIs"));
        }

        var redirectUris = new List<string>();
        foreach (var uri in uris.EnumerateArray())
        {
            var problem = uri.ValueKind == JsonValueKind.String ? RedirectUriRules.Problem(uri.GetString()!) : "redirect_uris must be strings";
            if (problem is not null)
            {
                return (null, RegistrationOutcome.Fail("invalid_redirect_uri", problem));
            }

            redirectUris.Add(uri.GetString()!);
        }

        if (ClientRegistry.StringList(body, "grant_types") is { } grants && grants.Any(g => !AllowedGrants.Contains(g, StringComparer.Ordinal)))
        {
            return (null, RegistrationOutcome.Fail("invalid_client_metadata", "grant_types may only be authorization_code and refresh_token"));
        }

        if (ClientRegistry.StringList(body, "response_types") is { } responses && responses.Any(r => r != "code"))
        {
            return (null, RegistrationOutcome.Fail("invalid_client_metadata", "response_types may only be code"));
        }

        var name = body.TryGetProperty("client_name", out var nameValue) && nameValue.ValueKind == JsonValueKind.String ? CleanName(nameValue.GetString()!) : null;
        return (new RegistrationRequest(name, redirectUris), null);
    }

    public static string? CleanName(string name)
    {
        var clean = new string(name.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return clean.Length == 0 ? null : clean.Length > 100 ? clean[..100] : clean;
    }
}
