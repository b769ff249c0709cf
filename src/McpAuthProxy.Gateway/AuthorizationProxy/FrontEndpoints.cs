using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Metadata;
using McpAuthProxy.OAuth.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>
/// The gateway as the authorization server its MCP clients see (<c>authorization_proxy</c>), in front of an identity
/// provider where the gateway has one client of its own:
/// <list type="number">
/// <item><c>/register</c> (RFC 7591): native loopback or https redirect URIs only, rate-limited per address.</item>
/// <item><c>/authorize</c>: the client and its exact redirect URI are checked, PKCE S256 is required, and the user approves
/// this client on the gateway's consent page before anything goes to the provider (confused-deputy protection).</item>
/// <item>The provider sends the user back to the callback, whose single-use state must match the cookie set on approval; the
/// gateway exchanges the provider's code with its own PKCE verifier and gives the MCP client a code of its own.</item>
/// <item><c>/token</c>: that code (with the client's PKCE verifier) for the provider's access token, and refresh tokens
/// sealed to the client they were issued to.</item>
/// </list>
/// </summary>
internal sealed partial class FrontEndpoints : IDisposable
{
    private const string RefreshPrefix = "mcr.";
    private static readonly string[] AuthorizationErrors =
        ["invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type", "invalid_scope", "server_error", "temporarily_unavailable"];

    private readonly GatewaySettings _settings;
    private readonly FrontSettings _front;
    private readonly GatewayEndpoints _endpoints;
    private readonly FrontKeys _keys;
    private readonly FrontCookies _cookies;
    private readonly ClientRegistry _clients;
    private readonly ProviderClient _provider;
    private readonly ILogger<FrontEndpoints> _logger;
    private readonly ExpiringStore<AuthorizationRequest> _consents;
    private readonly ExpiringStore<PendingCallback> _states;
    private readonly ExpiringStore<IssuedCode> _codes;
    private readonly RegistrationEndpoint _registration;
    private readonly AddressRateLimit _consentLimit;

    public FrontEndpoints(GatewaySettings settings, GatewayEndpoints endpoints, ProviderClient provider, TimeProvider time, ILoggerFactory loggers)
    {
        _settings = settings;
        _front = settings.Front ?? throw new InvalidOperationException("authorization_proxy is not configured");
        _endpoints = endpoints;
        _keys = new FrontKeys(_front.Key);
        _cookies = new FrontCookies(_keys, time);
        _provider = provider;
        _logger = loggers.CreateLogger<FrontEndpoints>();
        _clients = new ClientRegistry(_keys, _front, GatewaySettings.IsLoopback(endpoints.PublicBase), time, loggers.CreateLogger<ClientRegistry>());
        _consents = new ExpiringStore<AuthorizationRequest>(TimeSpan.FromMinutes(10), time, perParty: PendingPerAddress);
        _states = new ExpiringStore<PendingCallback>(TimeSpan.FromMinutes(10), time, perParty: PendingPerAddress);
        _codes = new ExpiringStore<IssuedCode>(TimeSpan.FromMinutes(5), time);
        _registration = new RegistrationEndpoint(_front.RegistrationsPerMinute, _clients.RegisterAsync, _logger);
        // Pending consents live 10 minutes in a store of 10,000: without a limit per address, one address could fill it.
        _consentLimit = new AddressRateLimit(_front.ConsentsPerMinute);
        if (_keys.IsEphemeral)
        {
            LogEphemeralKey();
        }
    }

    private string Issuer => _endpoints.PublicBase;

    private string CallbackUrl => _endpoints.PublicBase + _front.CallbackPath;

    public const string ConsentPath = "/authorize/consent";

    /// <summary>Sign-ins one client address may have waiting (at the consent page, or at the provider) at once.</summary>
    public const int PendingPerAddress = 100;

    /// <summary>RFC 8414 metadata naming the gateway's own endpoints.</summary>
    public Task WriteMetadataAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = "public, max-age=300";
        var scopes = _settings.Scopes.AllScopes().Concat(_front.ExtraScopes).Distinct(StringComparer.Ordinal).ToList();
        return FrontResponses.WriteJsonAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteString("issuer", Issuer);
            w.WriteString("authorization_endpoint", Issuer + "/authorize");
            w.WriteString("token_endpoint", Issuer + "/token");
            w.WriteString("registration_endpoint", Issuer + "/register");
            FrontResponses.WriteArray(w, "response_types_supported", ["code"]);
            FrontResponses.WriteArray(w, "response_modes_supported", ["query"]);
            FrontResponses.WriteArray(w, "grant_types_supported", ["authorization_code", "refresh_token"]);
            FrontResponses.WriteArray(w, "token_endpoint_auth_methods_supported", ["none"]);
            FrontResponses.WriteArray(w, "code_challenge_methods_supported", ["S256"]);
            if (scopes.Count > 0)
            {
                FrontResponses.WriteArray(w, "scopes_supported", scopes);
            }

            w.WriteBoolean("authorization_response_iss_parameter_supported", true);
            w.WriteBoolean("client_id_metadata_document_supported", _front.ClientIdMetadataDocuments);
        });
    }

    public Task RegisterAsync(HttpContext context) => _registration.HandleAsync(context);

    public async Task AuthorizeAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (!_clients.MayLookUp(query["client_id"].ToString(), context))
        {
            await FrontResponses.WriteErrorPageAsync(context, StatusCodes.Status429TooManyRequests, "Too many sign-ins",
                "Too many client metadata documents were fetched for this address; try again in a minute.").ConfigureAwait(false);
            return;
        }

        var client = await _clients.FindAsync(query["client_id"].ToString(), context.RequestAborted).ConfigureAwait(false);
        if (client is null)
        {
            LogRefused("/authorize", "unknown client_id");
            await FrontResponses.WriteErrorPageAsync(context, StatusCodes.Status400BadRequest, "Unknown MCP client",
                "This sign-in link names a client the gateway does not know. Start the sign-in again from your MCP client; it may need to register again.").ConfigureAwait(false);
            return;
        }

        var redirectUri = query["redirect_uri"].ToString();
        if (redirectUri.Length == 0 && client.RedirectUris.Count == 1)
        {
            redirectUri = client.RedirectUris[0];
        }

        if (!RedirectUriRules.IsRegistered(client, redirectUri))
        {
            LogRefused("/authorize", $"redirect_uri '{redirectUri}' is not registered for {ClientRegistry.ClientLabel(client)}");
            await FrontResponses.WriteErrorPageAsync(context, StatusCodes.Status400BadRequest, "Redirect URI not registered",
                "The redirect URI of this sign-in is not exactly the one the MCP client registered, so the gateway will not send anything there.").ConfigureAwait(false);
            return;
        }

        // From here on the client and its redirect URI are known: errors go back to it (RFC 6749 section 4.1.2.1).
        var state = query["state"].Count > 0 ? query["state"].ToString() : null;
        var challenge = query["code_challenge"].ToString();
        var resource = query["resource"].ToString();
        string? problem = query["response_type"] != "code" ? "unsupported_response_type"
            : challenge.Length is < 43 or > 128 || query["code_challenge_method"] != "S256" ? "invalid_request"
            : resource.Length > 0 && !IsOurResource(resource) ? "invalid_target"
            : null;
        if (problem is not null)
        {
            var description = problem switch
            {
                "unsupported_response_type" => "Only response_type=code is supported.",
                "invalid_request" => "PKCE with code_challenge_method=S256 is required.",
                _ => $"This gateway is not the resource '{resource}'.",
            };
            LogRefused("/authorize", description);
            RedirectToClient(context, Issuer, redirectUri, state, ("error", problem), ("error_description", description));
            return;
        }

        var scopes = query["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        var request = new AuthorizationRequest(client, redirectUri, state, challenge, scopes, resource.Length > 0 ? resource : _endpoints.ResourceFor(_settings.PrimaryPath));
        var providerEndpoints = await _provider.GetEndpointsAsync(context.RequestAborted).ConfigureAwait(false);
        if (providerEndpoints is null)
        {
            RedirectToClient(context, Issuer, redirectUri, state, ("error", "temporarily_unavailable"),
                ("error_description", "The identity provider's metadata could not be fetched; try again shortly."));
            return;
        }

        // Both ways on leave something waiting (a consent page, or a state at the provider): both count for the address.
        if (!_consentLimit.TryAcquire(context, out var address))
        {
            LogConsentLimited(address);
            await FrontResponses.WriteErrorPageAsync(context, StatusCodes.Status429TooManyRequests, "Too many sign-ins",
                "Too many sign-ins were started from this address; try again in a minute.").ConfigureAwait(false);
            return;
        }

        if (_cookies.HasConsent(context, request))
        {
            await StartProviderSignInAsync(context, request, providerEndpoints, StatusCodes.Status302Found).ConfigureAwait(false);
            return;
        }

        var transaction = FrontKeys.NewHandle();
        if (!_consents.TryAdd(transaction, request, AddressRateLimit.PartyOf(context)))
        {
            await FrontResponses.WriteErrorPageAsync(context, StatusCodes.Status503ServiceUnavailable, "Too many sign-ins",
                "The gateway has too many sign-ins waiting; try again in a few minutes.").ConfigureAwait(false);
            return;
        }

        var csrf = _cookies.CsrfToken(_cookies.CsrfValue(context), transaction);
        await FrontResponses.WritePageAsync(context, StatusCodes.Status200OK, $"Allow {client.ClientName ?? "an MCP client"}?",
            ConsentPage.Render(request, _front.ExtraScopes, _provider.Issuer, transaction, csrf)).ConfigureAwait(false);
    }

    public async Task ConsentAsync(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, _endpoints.PublicOrigin, StringComparison.OrdinalIgnoreCase))
        {
            LogRefused(ConsentPath, $"consent posted from origin {origin}");
            await FrontResponses.WriteErrorPageAsync(context, StatusCodes.Status403Forbidden, "Not allowed", "The consent form must be sent from the gateway's own page.").ConfigureAwait(false);
            return;
        }

        if (!context.Request.HasFormContentType)
        {
            await FrontResponses.WriteErrorPageAsync(context, StatusCodes.Status400BadRequest, "Bad request", "The consent answer must be the form of the consent page.").ConfigureAwait(false);
            return;
        }

        FrontResponses.LimitBody(context, 16 * 1024);
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var transaction = form["txn"].ToString();
        if (!_cookies.CsrfTokenMatches(context, transaction, form["csrf"].ToString()))
        {
            LogRefused(ConsentPath, "CSRF token missing or wrong");
            await FrontResponses.WriteErrorPageAsync(context, StatusCodes.Status403Forbidden, "Not allowed",
                "This consent answer did not come from the consent page shown in this browser. Start the sign-in again from your MCP client.").ConfigureAwait(false);
            return;
        }

        if (!_consents.TryTake(transaction, out var request))
        {
            await FrontResponses.WriteErrorPageAsync(context, StatusCodes.Status400BadRequest, "Sign-in expired",
                "This consent page has expired or was already answered. Start the sign-in again from your MCP client.").ConfigureAwait(false);
            return;
        }

        if (form["decision"] != "allow")
        {
            LogConsent(ClientRegistry.ClientLabel(request.Client), "denied");
            RedirectToClient(context, Issuer, request.RedirectUri, request.State, ("error", "access_denied"), ("error_description", "The user denied access."));
            return;
        }

        var providerEndpoints = await _provider.GetEndpointsAsync(context.RequestAborted).ConfigureAwait(false);
        if (providerEndpoints is null)
        {
            RedirectToClient(context, Issuer, request.RedirectUri, request.State, ("error", "temporarily_unavailable"),
                ("error_description", "The identity provider's metadata could not be fetched; try again shortly."));
            return;
        }

        LogConsent(ClientRegistry.ClientLabel(request.Client), "approved");
        _cookies.SetConsent(context, request, _front.ConsentLifetime);
        await StartProviderSignInAsync(context, request, providerEndpoints, StatusCodes.Status303SeeOther).ConfigureAwait(false);
    }

    private async Task StartProviderSignInAsync(HttpContext context, AuthorizationRequest request, ProviderEndpoints providerEndpoints, int status)
    {
        var state = FrontKeys.NewHandle();
        var verifier = FrontKeys.NewHandle();
        if (!_states.TryAdd(state, new PendingCallback(request, verifier), AddressRateLimit.PartyOf(context)))
        {
            await FrontResponses.WriteErrorPageAsync(context, StatusCodes.Status503ServiceUnavailable, "Too many sign-ins",
                "The gateway has too many sign-ins waiting; try again in a few minutes.").ConfigureAwait(false);
            return;
        }

        var parameters = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["response_type"] = "code",
            ["client_id"] = _front.ClientId,
            ["redirect_uri"] = CallbackUrl,
            ["state"] = state,
            ["code_challenge"] = Pkce.ChallengeOf(verifier),
            ["code_challenge_method"] = "S256",
        };
        var scopes = request.Scopes.Concat(_front.ExtraScopes).Distinct(StringComparer.Ordinal).ToList();
        if (scopes.Count > 0)
        {
            parameters["scope"] = string.Join(' ', scopes);
        }

        if (_front.ForwardResource)
        {
            parameters["resource"] = request.Resource;
        }

        foreach (var (name, value) in _settings.Config.Default.AuthorizeQueryParams)
        {
            parameters[name] = value;
        }

        // The state cookie is set only now, after approval and right before leaving for the provider.
        _cookies.SetState(context, state, _states.Lifetime);
        context.Response.StatusCode = status;
        context.Response.Headers.Location = QueryHelpers.AddQueryString(providerEndpoints.AuthorizationEndpoint, parameters);
        context.Response.Headers.CacheControl = "no-store";
    }

    public async Task CallbackAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var state = query["state"].ToString();
        if (state.Length == 0)
        {
            LogRefused(_front.CallbackPath, "no state");
            await FrontResponses.WriteErrorPageAsync(context, StatusCodes.Status400BadRequest, "Sign-in failed", "The identity provider's answer has no state.").ConfigureAwait(false);
            return;
        }

        if (!FrontCookies.StateMatches(context, state))
        {
            LogRefused(_front.CallbackPath, "state does not match this browser's state cookie");
            await FrontResponses.WriteErrorPageAsync(context, StatusCodes.Status400BadRequest, "Sign-in failed",
                "This sign-in was not started and approved in this browser. Start it again from your MCP client.").ConfigureAwait(false);
            return;
        }

        _cookies.DeleteState(context, state);
        if (!_states.TryTake(state, out var pending))
        {
            LogRefused(_front.CallbackPath, "state unknown, expired or already used");
            await FrontResponses.WriteErrorPageAsync(context, StatusCodes.Status400BadRequest, "Sign-in expired",
                "This sign-in has expired or was already completed. Start it again from your MCP client.").ConfigureAwait(false);
            return;
        }

        var request = pending.Request;
        if (query["error"].ToString() is { Length: > 0 } providerError)
        {
            var error = AuthorizationErrors.Contains(providerError, StringComparer.Ordinal) ? providerError : "server_error";
            LogRefused(_front.CallbackPath, $"the identity provider answered {providerError}");
            RedirectToClient(context, Issuer, request.RedirectUri, request.State, ("error", error),
                ("error_description", query["error_description"].Count > 0 ? query["error_description"].ToString() : $"The identity provider answered {providerError}."));
            return;
        }

        var providerEndpoints = await _provider.GetEndpointsAsync(context.RequestAborted).ConfigureAwait(false);
        var iss = query["iss"].ToString();
        string? problem = providerEndpoints is null ? "temporarily_unavailable"
            : (iss.Length > 0 && iss.TrimEnd('/') != _provider.Issuer.TrimEnd('/')) || (iss.Length == 0 && providerEndpoints.IssParameterSupported) ? "server_error"
            : query["code"].Count == 0 ? "server_error"
            : null;
        if (problem is not null)
        {
            LogRefused(_front.CallbackPath, problem == "temporarily_unavailable" ? "provider metadata unavailable" : "the provider's answer has a wrong or missing iss, or no code");
            RedirectToClient(context, Issuer, request.RedirectUri, request.State, ("error", problem),
                ("error_description", problem == "temporarily_unavailable" ? "The identity provider is unavailable; try again shortly." : "The identity provider's answer could not be trusted."));
            return;
        }

        List<KeyValuePair<string, string>> exchange =
        [
            new("grant_type", "authorization_code"),
            new("code", query["code"].ToString()),
            new("redirect_uri", CallbackUrl),
            new("code_verifier", pending.ProviderVerifier),
        ];
        if (_front.ForwardResource)
        {
            exchange.Add(new("resource", request.Resource));
        }

        var answer = await _provider.RequestTokenAsync(providerEndpoints!, exchange, context.RequestAborted).ConfigureAwait(false);
        if (answer.Tokens is not { } tokens)
        {
            var error = answer.Error is "temporarily_unavailable" ? "temporarily_unavailable" : "server_error";
            RedirectToClient(context, Issuer, request.RedirectUri, request.State, ("error", error), ("error_description", answer.ErrorDescription ?? "The identity provider failed."));
            return;
        }

        var code = FrontKeys.NewHandle();
        if (!_codes.TryAdd(code, new IssuedCode(request, tokens)))
        {
            RedirectToClient(context, Issuer, request.RedirectUri, request.State, ("error", "temporarily_unavailable"), ("error_description", "The gateway is busy; try again shortly."));
            return;
        }

        LogSignedIn(ClientRegistry.ClientLabel(request.Client));
        RedirectToClient(context, Issuer, request.RedirectUri, request.State, ("code", code));
    }

    public async Task TokenAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            await FrontResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request", "Send the token request as application/x-www-form-urlencoded.").ConfigureAwait(false);
            return;
        }

        FrontResponses.LimitBody(context, 64 * 1024);
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var clientId = form["client_id"].Count > 0 ? form["client_id"].ToString() : BasicUser(context);
        if (!_clients.MayLookUp(clientId, context))
        {
            await FrontResponses.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, "temporarily_unavailable", "Too many client metadata documents were fetched for this address; try again in a minute.").ConfigureAwait(false);
            return;
        }

        var client = await _clients.FindAsync(clientId, context.RequestAborted).ConfigureAwait(false);
        if (client is null)
        {
            LogRefused("/token", "unknown client_id");
            await FrontResponses.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "invalid_client", "The client is not registered at this gateway; register again.").ConfigureAwait(false);
            return;
        }

        switch (form["grant_type"].ToString())
        {
            case "authorization_code":
                await RedeemCodeAsync(context, client, form).ConfigureAwait(false);
                break;
            case "refresh_token":
                await RefreshAsync(context, client, form).ConfigureAwait(false);
                break;
            default:
                await FrontResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "unsupported_grant_type", "Only authorization_code and refresh_token are supported.").ConfigureAwait(false);
                break;
        }
    }

    private async Task RedeemCodeAsync(HttpContext context, RegisteredClient client, IFormCollection form)
    {
        var verifier = form["code_verifier"].ToString();
        string? problem = !_codes.TryTake(form["code"].ToString(), out var issued) ? "the code is unknown, expired or already used"
            : issued.Request.Client.ClientId != client.ClientId ? "the code was issued to another client"
            : form["redirect_uri"].Count > 0 && form["redirect_uri"] != issued.Request.RedirectUri ? "redirect_uri differs from the authorization request's"
            : verifier.Length is < 43 or > 128 || !CryptographicOperations.FixedTimeEquals(
                Encoding.ASCII.GetBytes(Pkce.ChallengeOf(verifier)), Encoding.ASCII.GetBytes(issued.Request.CodeChallenge))
                ? "the PKCE code_verifier does not match the code_challenge"
            : null;
        if (problem is not null)
        {
            LogRefused("/token", problem);
            await FrontResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_grant", char.ToUpperInvariant(problem[0]) + problem[1..] + ".").ConfigureAwait(false);
            return;
        }

        await WriteTokensAsync(context, client, issued.Tokens).ConfigureAwait(false);
    }

    private async Task RefreshAsync(HttpContext context, RegisteredClient client, IFormCollection form)
    {
        var presented = form["refresh_token"].ToString();
        string? upstream = null;
        if (presented.StartsWith(RefreshPrefix, StringComparison.Ordinal) && _keys.Open("refresh", presented[RefreshPrefix.Length..]) is { } payload)
        {
            using var document = JsonDocument.Parse(payload);
            if (document.RootElement.GetProperty("c").GetString() == client.ClientId)
            {
                upstream = document.RootElement.GetProperty("t").GetString();
            }
        }

        if (upstream is null)
        {
            LogRefused("/token", "refresh token unknown or issued to another client");
            await FrontResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_grant", "The refresh token was not issued to this client by this gateway.").ConfigureAwait(false);
            return;
        }

        var providerEndpoints = await _provider.GetEndpointsAsync(context.RequestAborted).ConfigureAwait(false);
        if (providerEndpoints is null)
        {
            await FrontResponses.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable", "The identity provider's metadata could not be fetched; try again shortly.").ConfigureAwait(false);
            return;
        }

        List<KeyValuePair<string, string>> parameters = [new("grant_type", "refresh_token"), new("refresh_token", upstream)];
        if (form["scope"].ToString() is { Length: > 0 } scope)
        {
            parameters.Add(new("scope", scope));
        }

        if (_front.ForwardResource)
        {
            parameters.Add(new("resource", form["resource"].Count > 0 && IsOurResource(form["resource"].ToString()) ? form["resource"].ToString() : _endpoints.ResourceFor(_settings.PrimaryPath)));
        }

        var answer = await _provider.RequestTokenAsync(providerEndpoints, parameters, context.RequestAborted).ConfigureAwait(false);
        if (answer.Tokens is not { } tokens)
        {
            var status = answer.Error switch
            {
                "temporarily_unavailable" => StatusCodes.Status503ServiceUnavailable,
                "server_error" => StatusCodes.Status502BadGateway,
                _ => StatusCodes.Status400BadRequest,
            };
            await FrontResponses.WriteErrorAsync(context, status, answer.Error!, answer.ErrorDescription!).ConfigureAwait(false);
            return;
        }

        await WriteTokensAsync(context, client, tokens).ConfigureAwait(false);
    }

    /// <summary>The provider's token response for the MCP client: without the ID token (issued to the gateway), with the refresh token sealed to this client.</summary>
    private Task WriteTokensAsync(HttpContext context, RegisteredClient client, JsonObject tokens) =>
        FrontResponses.WriteJsonAsync(context, StatusCodes.Status200OK, w =>
        {
            foreach (var (name, value) in tokens)
            {
                if (name is "id_token" or "refresh_token" || value is null)
                {
                    continue;
                }

                w.WritePropertyName(name);
                value.WriteTo(w);
            }

            if (!tokens.ContainsKey("token_type"))
            {
                w.WriteString("token_type", "Bearer");
            }

            if (tokens["refresh_token"] is JsonValue refresh && refresh.TryGetValue<string>(out var upstream))
            {
                using var buffer = new MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    writer.WriteString("c", client.ClientId);
                    writer.WriteString("t", upstream);
                    writer.WriteEndObject();
                }

                w.WriteString("refresh_token", RefreshPrefix + _keys.Seal("refresh", buffer.ToArray()));
            }
        });

    private bool IsOurResource(string resource)
    {
        var trimmed = resource.TrimEnd('/');
        return _endpoints.AcceptedAudiences().Any(a => a.TrimEnd('/') == trimmed) || trimmed == _endpoints.PublicBase;
    }

    private static void RedirectToClient(HttpContext context, string issuer, string redirectUri, string? state, params (string Name, string Value)[] parameters)
    {
        var values = parameters.Select(p => new KeyValuePair<string, string?>(p.Name, p.Value)).ToList();
        if (state is not null)
        {
            values.Add(new("state", state));
        }

        values.Add(new("iss", issuer));
        context.Response.StatusCode = HttpMethods.IsPost(context.Request.Method) ? StatusCodes.Status303SeeOther : StatusCodes.Status302Found;
        context.Response.Headers.Location = QueryHelpers.AddQueryString(redirectUri, values);
        context.Response.Headers.CacheControl = "no-store";
    }

    private static string? BasicUser(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return Uri.UnescapeDataString(colon < 0 ? decoded : decoded[..colon]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _registration.Dispose();
        _consentLimit.Dispose();
        _clients.Dispose();
    }
}
