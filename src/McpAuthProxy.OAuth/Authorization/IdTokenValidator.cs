using McpAuthProxy.OAuth.Discovery;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.OAuth.Authorization;

/// <summary>Checks an ID token from the code flow: signature against the issuer's keys, issuer, audience, and our nonce.</summary>
public sealed class IdTokenValidator(HttpClient http)
{
    public async Task ValidateAsync(string idToken, AuthorizationServerMetadata metadata, string clientId, string nonce, CancellationToken cancellationToken)
    {
        var handler = new JsonWebTokenHandler();
        JsonWebToken token;
        try
        {
            token = handler.ReadJsonWebToken(idToken);
        }
        catch (ArgumentException)
        {
            throw new OAuthException("The identity provider returned an ID token that is not a JWT.");
        }

        if (!token.TryGetPayloadValue<string>("nonce", out var received) || !string.Equals(received, nonce, StringComparison.Ordinal))
        {
            throw new OAuthException("The ID token's nonce does not match the sign-in request; the answer was rejected (possible replay).");
        }

        if (metadata.JwksUri is null)
        {
            return;
        }

        string jwks;
        try
        {
            jwks = await http.GetStringAsync(metadata.JwksUri, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new OAuthException($"Cannot fetch the identity provider's keys from {metadata.JwksUri}: {e.Message}", e);
        }

        var result = await handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = metadata.Issuer,
            ValidateIssuer = metadata.Issuer is not null,
            ValidAudience = clientId,
            IssuerSigningKeys = new JsonWebKeySet(jwks).GetSigningKeys(),
            ClockSkew = TimeSpan.FromMinutes(5),
        }).ConfigureAwait(false);

        if (!result.IsValid)
        {
            throw new OAuthException($"The ID token from {metadata.Issuer} failed validation ({result.Exception?.GetType().Name ?? "invalid"}); the sign-in was rejected.");
        }
    }
}
