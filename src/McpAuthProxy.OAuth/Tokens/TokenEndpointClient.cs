using System.Text.Json;
using McpAuthProxy.OAuth.Authorization;
using McpAuthProxy.OAuth.Discovery;
using McpAuthProxy.OAuth.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace McpAuthProxy.OAuth.Tokens;

/// <summary>The client's identity at the token endpoint.</summary>
/// <param name="AuthMethod"><c>client_secret_basic</c>, <c>client_secret_post</c> or <c>none</c>; null chooses from the metadata.</param>
/// <param name="AssertionKey">A private key for <c>private_key_jwt</c> (RFC 7523) instead of a secret.</param>
public sealed record ClientCredentials(string ClientId, string? ClientSecret = null, string? AuthMethod = null, SecurityKey? AssertionKey = null);

/// <summary>Calls a token endpoint: code redemption, refresh, client credentials, device code (form-encoded, RFC 6749).</summary>
public sealed class TokenEndpointClient(HttpClient http)
{
    internal Task<TokenResponse> RedeemCodeAsync(AuthorizationServerMetadata metadata, ClientCredentials client, string code, Uri redirectUri, string verifier, string? resource, CancellationToken cancellationToken) =>
        SendAsync(metadata, client,
        [
            new("grant_type", "authorization_code"),
            new("code", code),
            new("redirect_uri", redirectUri.OriginalString),
            new("code_verifier", verifier),
            new("resource", resource),
        ], cancellationToken);

    internal Task<TokenResponse> RefreshAsync(AuthorizationServerMetadata metadata, ClientCredentials client, string refreshToken, string? resource, CancellationToken cancellationToken) =>
        SendAsync(metadata, client,
        [
            new("grant_type", "refresh_token"),
            new("refresh_token", refreshToken),
            new("resource", resource),
        ], cancellationToken);

    internal Task<TokenResponse> ClientCredentialsAsync(AuthorizationServerMetadata metadata, ClientCredentials client, string? scope, string? resource, IEnumerable<KeyValuePair<string, string?>>? extra, CancellationToken cancellationToken) =>
        SendAsync(metadata, client,
        [
            new("grant_type", "client_credentials"),
            new("scope", scope),
            new("resource", resource),
            .. extra ?? [],
        ], cancellationToken);

    internal Task<TokenResponse> DeviceCodeAsync(AuthorizationServerMetadata metadata, ClientCredentials client, string deviceCode, string? resource, CancellationToken cancellationToken) =>
        SendAsync(metadata, client,
        [
            new("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            new("device_code", deviceCode),
            new("resource", resource),
        ], cancellationToken);

    /// <summary>RFC 8628 §3.1: asks for a device and user code.</summary>
    internal async Task<DeviceAuthorizationResponse> StartDeviceAuthorizationAsync(AuthorizationServerMetadata metadata, ClientCredentials client, string? scope, string? resource, CancellationToken cancellationToken)
    {
        var endpoint = metadata.DeviceAuthorizationEndpoint
            ?? throw new OAuthException($"The identity provider {metadata.Issuer} has no device_authorization_endpoint; use --auth-flow browser, or enable the device flow for the client.");
        using var request = BuildRequest(endpoint, metadata, client, [new("scope", scope), new("resource", resource)]);
        var body = await SendRawAsync(request, endpoint, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(body, OAuthJsonContext.Default.DeviceAuthorizationResponse)
            ?? throw new OAuthException($"The device authorization endpoint {endpoint} answered with an empty body.");
    }

    /// <summary>The method to authenticate with: configured, else the first of basic/post the server lists, else basic.</summary>
    public static string ChooseAuthMethod(AuthorizationServerMetadata metadata, ClientCredentials client)
    {
        if (client.AuthMethod is { } configured)
        {
            return configured;
        }

        if (client.AssertionKey is not null)
        {
            return "private_key_jwt";
        }

        if (string.IsNullOrEmpty(client.ClientSecret))
        {
            return "none";
        }

        foreach (var method in metadata.TokenEndpointAuthMethodsSupported ?? [])
        {
            if (method is "client_secret_basic" or "client_secret_post")
            {
                return method;
            }
        }

        return "client_secret_basic";
    }

    private async Task<TokenResponse> SendAsync(AuthorizationServerMetadata metadata, ClientCredentials client, KeyValuePair<string, string?>[] parameters, CancellationToken cancellationToken)
    {
        var endpoint = metadata.TokenEndpoint ?? throw new OAuthException($"The identity provider {metadata.Issuer} has no token_endpoint.");
        using var request = BuildRequest(endpoint, metadata, client, parameters);
        var body = await SendRawAsync(request, endpoint, cancellationToken).ConfigureAwait(false);
        TokenResponse? token;
        try
        {
            token = JsonSerializer.Deserialize(body, OAuthJsonContext.Default.TokenResponse);
        }
        catch (JsonException)
        {
            throw new OAuthException($"The token endpoint {endpoint} did not answer with JSON.");
        }

        if (string.IsNullOrEmpty(token?.AccessToken))
        {
            throw new OAuthException($"The token endpoint {endpoint} answered without an access_token.");
        }

        if (token.TokenType is { } type && !string.Equals(type, "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            throw new OAuthException($"The token endpoint {endpoint} issued a '{type}' token; only Bearer tokens are supported.");
        }

        return token;
    }

    private static HttpRequestMessage BuildRequest(string endpoint, AuthorizationServerMetadata metadata, ClientCredentials client, IEnumerable<KeyValuePair<string, string?>> parameters)
    {
        var form = parameters.Where(p => p.Value is not null).Select(p => new KeyValuePair<string, string>(p.Key, p.Value!)).ToList();
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        request.Headers.Accept.ParseAdd("application/json");
        switch (ChooseAuthMethod(metadata, client))
        {
            case "client_secret_basic":
                request.Headers.Authorization = ClientSecretBasic.Header(client.ClientId, client.ClientSecret);
                break;
            case "private_key_jwt":
                form.Add(new("client_id", client.ClientId));
                form.Add(new("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
                form.Add(new("client_assertion", ClientAssertion(client, metadata.Issuer ?? endpoint)));
                break;
            case "client_secret_post":
                form.Add(new("client_id", client.ClientId));
                form.Add(new("client_secret", client.ClientSecret ?? ""));
                break;
            default:
                form.Add(new("client_id", client.ClientId));
                break;
        }

        request.Content = new FormUrlEncodedContent(form);
        return request;
    }

    /// <summary>RFC 7523 §3: a short-lived JWT about the client, signed with its key, for the authorization server.</summary>
    private static string ClientAssertion(ClientCredentials client, string audience)
    {
        var key = client.AssertionKey!;
        var algorithm = key switch
        {
            ECDsaSecurityKey ec => ec.ECDsa.KeySize switch { 384 => SecurityAlgorithms.EcdsaSha384, 521 => SecurityAlgorithms.EcdsaSha512, _ => SecurityAlgorithms.EcdsaSha256 },
            _ => SecurityAlgorithms.RsaSha256,
        };
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = client.ClientId,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Claims = new Dictionary<string, object> { ["sub"] = client.ClientId, ["jti"] = Guid.NewGuid().ToString("N") },
            SigningCredentials = new SigningCredentials(key, algorithm),
        });
    }

    /// <summary>Reads a PEM private key (EC or RSA) for <c>private_key_jwt</c>.</summary>
    public static SecurityKey ReadPrivateKey(string pem)
    {
        try
        {
            var ec = System.Security.Cryptography.ECDsa.Create();
            ec.ImportFromPem(pem);
            return new ECDsaSecurityKey(ec);
        }
        catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            var rsa = System.Security.Cryptography.RSA.Create();
            rsa.ImportFromPem(pem);
            return new RsaSecurityKey(rsa);
        }
    }

    private async Task<byte[]> SendRawAsync(HttpRequestMessage request, string endpoint, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new OAuthException($"Cannot reach the token endpoint {endpoint}: {e.Message}", e);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return body;
            }

            OAuthErrorResponse? error = null;
            try
            {
                error = JsonSerializer.Deserialize(body, OAuthJsonContext.Default.OAuthErrorResponse);
            }
            catch (JsonException)
            {
            }

            if (error?.Error is { } code)
            {
                var description = error.ErrorDescription is { } d ? $" ({LoopbackCallbackListener.OneLine(d)})" : "";
                throw new OAuthException($"The token endpoint {endpoint} refused the request: {LoopbackCallbackListener.OneLine(code)}{description}.", code);
            }

            throw new OAuthException($"The token endpoint {endpoint} answered HTTP {(int)response.StatusCode}.");
        }
    }
}
