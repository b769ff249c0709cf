using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.Gateway.Authentication;

/// <summary>
/// Gets the issuer's signing keys: from a configured <c>jwks_uri</c> directly, or by discovery from the issuer
/// (OIDC <c>/.well-known/openid-configuration</c>, then RFC 8414 <c>/.well-known/oauth-authorization-server</c>),
/// checking that the document's <c>issuer</c> is the configured one. Used by IdentityModel's ConfigurationManager,
/// which caches, refreshes and serves stale keys rather than none.
/// </summary>
internal sealed class IssuerConfigurationRetriever(string issuer, string? jwksUri) : IConfigurationRetriever<OpenIdConnectConfiguration>
{
    public static IEnumerable<string> DiscoveryUrls(string issuer, bool oauthFirst = false)
    {
        var uri = new Uri(issuer);
        var path = uri.AbsolutePath.TrimEnd('/');
        var origin = uri.GetLeftPart(UriPartial.Authority);
        var oidc = new[] { $"{issuer.TrimEnd('/')}/.well-known/openid-configuration", $"{origin}/.well-known/openid-configuration{path}" };
        var oauth = $"{origin}/.well-known/oauth-authorization-server{path}";
        return oauthFirst ? [oauth, .. oidc] : [.. oidc, oauth];
    }

    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
    {
        OpenIdConnectConfiguration configuration;
        string keysAddress;
        if (jwksUri is not null)
        {
            configuration = new OpenIdConnectConfiguration { Issuer = issuer, JwksUri = jwksUri };
            keysAddress = jwksUri;
        }
        else
        {
            string? document = null;
            Exception? last = null;
            foreach (var url in DiscoveryUrls(issuer))
            {
                try
                {
                    document = await retriever.GetDocumentAsync(url, cancel).ConfigureAwait(false);
                    break;
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException)
                {
                    last = ex;
                }
            }

            if (document is null)
            {
                throw new InvalidOperationException($"No discovery document for issuer '{issuer}'.", last);
            }

            configuration = OpenIdConnectConfiguration.Create(document);
            if (!string.Equals(configuration.Issuer, issuer, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The discovery document names issuer '{configuration.Issuer}', not '{issuer}'.");
            }

            keysAddress = configuration.JwksUri ?? throw new InvalidOperationException($"The discovery document of '{issuer}' has no jwks_uri.");
        }

        var keys = await retriever.GetDocumentAsync(keysAddress, cancel).ConfigureAwait(false);
        configuration.JsonWebKeySet = new JsonWebKeySet(keys);
        foreach (var key in configuration.JsonWebKeySet.GetSigningKeys())
        {
            configuration.SigningKeys.Add(key);
        }

        return configuration;
    }
}
