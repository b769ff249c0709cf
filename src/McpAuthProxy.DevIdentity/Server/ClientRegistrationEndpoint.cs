using System.Security.Cryptography;
using System.Text.Json;
using McpAuthProxy.DevIdentity.Json;
using McpAuthProxy.DevIdentity.Seeding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpAuthProxy.DevIdentity.Server;

/// <summary>
/// RFC 7591 dynamic client registration for native clients: loopback (or private-use scheme) redirect URIs,
/// authorization code (+ refresh token) grants. A loopback redirect then matches on any port (RFC 8252 section 7.3).
/// </summary>
internal static partial class ClientRegistrationEndpoint
{
    private static readonly string[] AllowedGrants = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken];

    public static async Task RegisterAsync(HttpContext context)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("McpAuthProxy.DevIdentity");
        ClientRegistrationRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, DevIdentityJsonContext.Default.ClientRegistrationRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request is null)
        {
            await RejectAsync(context, logger, "invalid_client_metadata", "The body must be a JSON client metadata document (RFC 7591).").ConfigureAwait(false);
            return;
        }

        if (request.RedirectUris is not { Count: > 0 } redirectUris)
        {
            await RejectAsync(context, logger, "invalid_redirect_uri", "redirect_uris is required, e.g. [\"http://127.0.0.1/callback\"].").ConfigureAwait(false);
            return;
        }

        foreach (var uri in redirectUris)
        {
            if (!IsNativeRedirect(uri))
            {
                await RejectAsync(context, logger, "invalid_redirect_uri",
                    $"'{uri}' is not a native redirect URI; use http://127.0.0.1[:port]/path, http://[::1]/path, http://localhost/path or a private-use scheme.").ConfigureAwait(false);
                return;
            }
        }

        if (request.ApplicationType is { } type && !string.Equals(type, ApplicationTypes.Native, StringComparison.Ordinal))
        {
            await RejectAsync(context, logger, "invalid_client_metadata", $"application_type '{type}' is not supported here; register a 'native' client.").ConfigureAwait(false);
            return;
        }

        var grants = request.GrantTypes is { Count: > 0 } requested ? requested.Distinct(StringComparer.Ordinal).ToList() : [.. AllowedGrants];
        if (grants.FirstOrDefault(g => !AllowedGrants.Contains(g, StringComparer.Ordinal)) is { } unsupported)
        {
            await RejectAsync(context, logger, "invalid_client_metadata", $"grant_type '{unsupported}' is not supported; use authorization_code and refresh_token.").ConfigureAwait(false);
            return;
        }

        if (request.ResponseTypes is { } responseTypes && responseTypes.Any(r => !string.Equals(r, ResponseTypes.Code, StringComparison.Ordinal)))
        {
            await RejectAsync(context, logger, "invalid_client_metadata", "Only response_type 'code' is supported.").ConfigureAwait(false);
            return;
        }

        var authMethod = request.TokenEndpointAuthMethod ?? ClientAuthenticationMethods.None;
        if (authMethod is not (ClientAuthenticationMethods.None or ClientAuthenticationMethods.ClientSecretBasic or ClientAuthenticationMethods.ClientSecretPost))
        {
            await RejectAsync(context, logger, "invalid_client_metadata", $"token_endpoint_auth_method '{authMethod}' is not supported; use none, client_secret_basic or client_secret_post.").ConfigureAwait(false);
            return;
        }

        var state = context.RequestServices.GetRequiredService<DevIdentityState>();
        var clientId = "dcr-" + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(12));
        var secret = authMethod == ClientAuthenticationMethods.None ? null : WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(24));
        var client = new DevIdentityClient
        {
            ClientId = clientId,
            ClientSecret = secret,
            DisplayName = string.IsNullOrWhiteSpace(request.ClientName) ? clientId : request.ClientName,
            GrantTypes = grants,
            RedirectUris = [.. redirectUris.Select(u => new Uri(u))],
        };

        var manager = context.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
        await ClientSeeder.AddAsync(manager, client, context.RequestAborted).ConfigureAwait(false);
        state.Remember(client);
        LogClientRegistered(logger, clientId, client.DisplayName!);

        var response = new ClientRegistrationResponse
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientSecretExpiresAt = secret is null ? null : 0,
            ClientIdIssuedAt = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds(),
            ClientName = client.DisplayName,
            RedirectUris = redirectUris,
            GrantTypes = grants,
            ResponseTypes = [ResponseTypes.Code],
            TokenEndpointAuthMethod = authMethod,
            ApplicationType = ApplicationTypes.Native,
            Scope = request.Scope,
        };

        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, response, DevIdentityJsonContext.Default.ClientRegistrationResponse, context.RequestAborted).ConfigureAwait(false);
    }

    private static bool IsNativeRedirect(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return false;
        }

        if (string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return LoopbackRedirects.IsHttpLoopback(uri) || !string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task RejectAsync(HttpContext context, ILogger logger, string error, string description)
    {
        LogRegistrationRejected(logger, error, description);
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new ClientRegistrationError(error, description),
            DevIdentityJsonContext.Default.ClientRegistrationError, context.RequestAborted).ConfigureAwait(false);
    }

    [LoggerMessage(Diagnostics.EventIds.ClientRegistered, LogLevel.Information, "Registered client '{ClientId}' ({ClientName}).")]
    private static partial void LogClientRegistered(ILogger logger, string clientId, string clientName);

    [LoggerMessage(Diagnostics.EventIds.ClientRegistrationRejected, LogLevel.Information, "Client registration rejected: {Error}: {Description}")]
    private static partial void LogRegistrationRejected(ILogger logger, string error, string description);
}
