using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.Gateway.Authentication;

/// <summary>
/// What a JWT must look like to be taken as an access token, beside its signature and claims:
/// <list type="bullet">
/// <item>no <c>crit</c> header: it names extensions the recipient must understand, and the gateway understands none
/// (RFC 7515 section 4.1.11);</item>
/// <item><c>typ: at+jwt</c> (RFC 9068) when <c>token_validation.require_at_jwt</c> is set (for providers that issue it);</item>
/// <item>otherwise, unless typed <c>at+jwt</c>, none of the claims only ID tokens carry (<c>nonce</c>, <c>at_hash</c>,
/// <c>c_hash</c>): an ID token must not pass as an access token because its audience happens to be accepted.</item>
/// </list>
/// </summary>
internal static class TokenShape
{
    private static readonly string[] IdTokenClaims = ["nonce", "at_hash", "c_hash"];

    /// <summary>Null when <paramref name="token"/> may be an access token; otherwise why not.</summary>
    public static string? Problem(JsonWebToken token, bool requireAtJwt)
    {
        if (token.TryGetHeaderValue<object>("crit", out _))
        {
            return "the token names critical header extensions (crit) the gateway does not understand";
        }

        var typed = token.Typ is { } typ && (typ.Equals("at+jwt", StringComparison.OrdinalIgnoreCase) || typ.Equals("application/at+jwt", StringComparison.OrdinalIgnoreCase));
        if (typed)
        {
            return null;
        }

        if (requireAtJwt)
        {
            return "the token is not typed at+jwt (RFC 9068), as token_validation.require_at_jwt demands";
        }

        foreach (var claim in IdTokenClaims)
        {
            if (token.TryGetPayloadValue<object>(claim, out _))
            {
                return $"the token is an ID token (it carries {claim}), not an access token";
            }
        }

        return null;
    }

    /// <summary>The token read without checking anything, or null when it is not a JWS.</summary>
    public static JsonWebToken? Read(string token)
    {
        try
        {
            return new JsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenMalformedException or FormatException or System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

/// <summary>A JWT that is signed and valid but is not an access token the gateway accepts (<see cref="TokenShape"/>).</summary>
internal sealed class TokenShapeException(string message) : SecurityTokenValidationException(message);

/// <summary>The issuer's signing keys could not be fetched yet: no token can be checked.</summary>
internal sealed class IssuerUnavailableException(string source) : Exception($"the signing keys of {source} could not be fetched")
{
    public string KeySource { get; } = source;
}
