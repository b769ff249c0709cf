using System.Collections.Immutable;
using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpAuthProxy.DevIdentity.Server;

/// <summary>
/// The pages and pass-through endpoints: OpenIddict validates each protocol request first, then these decide
/// who signs in and what is granted.
/// </summary>
internal static partial class DevIdentityEndpoints
{
    public const string AuthorizePath = "/connect/authorize";
    public const string LoginPath = "/connect/login";
    public const string TokenPath = "/connect/token";
    public const string VerifyPath = "/connect/verify";
    public const string VerifyDonePath = "/connect/verify/done";
    public const string RegisterPath = "/connect/register";
    public const string CsrfField = "csrf";
    private const string ReturnUrlField = "returnUrl";
    private const string Scheme = OpenIddictServerAspNetCoreDefaults.AuthenticationScheme;

    public static void Map(IEndpointRouteBuilder endpoints, bool registration)
    {
        endpoints.MapGet("/", Home);
        endpoints.MapMethods(AuthorizePath, [HttpMethods.Get, HttpMethods.Post], Authorize);
        endpoints.MapPost(LoginPath, Login);
        endpoints.MapPost(TokenPath, Token);
        endpoints.MapMethods(VerifyPath, [HttpMethods.Get, HttpMethods.Post], Verify);
        endpoints.MapGet(VerifyDonePath, VerifyDone);
        if (registration)
        {
            endpoints.MapPost(RegisterPath, ClientRegistrationEndpoint.RegisterAsync);
        }
    }

    private static Task Home(HttpContext context)
    {
        var state = context.RequestServices.GetRequiredService<DevIdentityState>();
        return Html(context, StatusCodes.Status200OK, HtmlPages.Home(state.Issuer ?? new Uri(context.Request.Scheme + "://" + context.Request.Host), state.User, state.Clients));
    }

    private static async Task Authorize(HttpContext context)
    {
        var state = context.RequestServices.GetRequiredService<DevIdentityState>();
        var request = context.GetOpenIddictServerRequest() ??
            throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        if (state.Options.AutoApprove)
        {
            await IssueAsync(context, state.User, request.GetScopes(), request.GetResources()).ConfigureAwait(false);
            return;
        }

        var session = state.Sessions.Find(context);
        var user = state.FindBySubject(session?.Subject);
        if (session is null || user is null)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                await ForbidAsync(context, Errors.LoginRequired, "The user is not signed in.").ConfigureAwait(false);
                return;
            }

            var returnUrl = AuthorizePath + QueryString.Create(RequestFields(request)).ToUriComponent();
            await Html(context, StatusCodes.Status200OK, HtmlPages.Login(LoginPath, returnUrl, state.User, error: null)).ConfigureAwait(false);
            return;
        }

        var decision = (string?)request[DevIdentityDefaults.DecisionField];
        if (decision is null)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                await ForbidAsync(context, Errors.ConsentRequired, "Interactive consent is required.").ConfigureAwait(false);
                return;
            }

            var hidden = RequestFields(request).Append(new(CsrfField, session.Csrf));
            var clientName = await ClientNameAsync(context, request.ClientId).ConfigureAwait(false);
            await Html(context, StatusCodes.Status200OK, HtmlPages.Consent(
                AuthorizePath, clientName, request.ClientId ?? string.Empty, request.GetScopes(), request.GetResources(), user, hidden)).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsPost(context.Request.Method) || !DevSessions.CsrfMatches(session, (string?)request[CsrfField]))
        {
            await Html(context, StatusCodes.Status400BadRequest, HtmlPages.Message("Request rejected", "The consent form was not submitted from this sign-in session.")).ConfigureAwait(false);
            return;
        }

        var logger = Logger(context);
        if (!string.Equals(decision, DevIdentityDefaults.Allow, StringComparison.Ordinal))
        {
            LogConsentDenied(logger, request.ClientId ?? string.Empty);
            await ForbidAsync(context, Errors.AccessDenied, "The user denied the authorization request.").ConfigureAwait(false);
            return;
        }

        LogConsentGiven(logger, request.ClientId ?? string.Empty, string.Join(' ', request.GetScopes()));
        await IssueAsync(context, user, request.GetScopes(), request.GetResources()).ConfigureAwait(false);
    }

    private static async Task Login(HttpContext context)
    {
        var state = context.RequestServices.GetRequiredService<DevIdentityState>();
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var returnUrl = form[ReturnUrlField].ToString();
        if (!IsLocalReturnUrl(returnUrl))
        {
            await Html(context, StatusCodes.Status400BadRequest, HtmlPages.Message("Request rejected", "The sign-in form has no valid return address.")).ConfigureAwait(false);
            return;
        }

        var userName = form[DevIdentityDefaults.UserNameField].ToString();
        var user = state.FindUser(userName, form[DevIdentityDefaults.PasswordField].ToString());
        if (user is null)
        {
            LogSignInFailed(Logger(context), userName);
            await Html(context, StatusCodes.Status200OK, HtmlPages.Login(LoginPath, returnUrl, state.User, "Invalid user name or password.")).ConfigureAwait(false);
            return;
        }

        LogSignedIn(Logger(context), user.UserName);
        state.Sessions.SignIn(context, user.Subject);
        context.Response.Redirect(returnUrl);
    }

    private static async Task Token(HttpContext context)
    {
        var state = context.RequestServices.GetRequiredService<DevIdentityState>();
        var request = context.GetOpenIddictServerRequest() ??
            throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType() || request.IsDeviceCodeGrantType())
        {
            var result = await context.AuthenticateAsync(Scheme).ConfigureAwait(false);
            if (result.Principal is not { } principal || state.FindBySubject(principal.GetClaim(Claims.Subject)) is null)
            {
                await ForbidAsync(context, Errors.InvalidGrant, "The grant is no longer valid.").ConfigureAwait(false);
                return;
            }

            // RFC 8707: a token request may name resources. Within the grant they are fine (the audience stays the
            // grant's); outside it they are refused. A grant without any (the device flow) takes them from here.
            var requested = request.GetResources();
            var granted = principal.GetResources();
            if (!requested.IsDefaultOrEmpty)
            {
                if (granted.IsDefaultOrEmpty)
                {
                    principal.SetResources(requested);
                }
                else if (requested.Except(granted, StringComparer.Ordinal).Any())
                {
                    await ForbidAsync(context, Errors.InvalidTarget, "The requested resource is not part of this grant.").ConfigureAwait(false);
                    return;
                }
            }

            principal.SetDestinations(ClaimDestinations);
            await context.SignInAsync(Scheme, principal).ConfigureAwait(false);
            return;
        }

        if (request.IsClientCredentialsGrantType())
        {
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId);
            identity.SetClaim(Claims.Name, await ClientNameAsync(context, request.ClientId).ConfigureAwait(false));
            identity.SetScopes(request.GetScopes());
            identity.SetResources(request.GetResources());
            identity.SetDestinations(ClaimDestinations);
            await context.SignInAsync(Scheme, new ClaimsPrincipal(identity)).ConfigureAwait(false);
            return;
        }

        await ForbidAsync(context, Errors.UnsupportedGrantType, "The grant type is not supported.").ConfigureAwait(false);
    }

    private static async Task Verify(HttpContext context)
    {
        var state = context.RequestServices.GetRequiredService<DevIdentityState>();
        var request = context.GetOpenIddictServerRequest() ??
            throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        var result = await context.AuthenticateAsync(Scheme).ConfigureAwait(false);
        var clientId = result.Principal?.GetClaim(Claims.ClientId);
        if (result.Principal is not { } devicePrincipal || string.IsNullOrEmpty(clientId))
        {
            var error = string.IsNullOrEmpty(request.UserCode) ? null : "That code is not valid or has expired.";
            await Html(context, StatusCodes.Status200OK, HtmlPages.DeviceEntry(VerifyPath, error)).ConfigureAwait(false);
            return;
        }

        var scopes = devicePrincipal.GetScopes();
        var resources = devicePrincipal.GetResources();
        if (state.Options.AutoApprove)
        {
            await ApproveDeviceAsync(context, state.User, clientId, scopes, resources).ConfigureAwait(false);
            return;
        }

        var session = state.Sessions.Find(context);
        var user = state.FindBySubject(session?.Subject);
        if (session is null || user is null)
        {
            var returnUrl = VerifyPath + QueryString.Create(Parameters.UserCode, request.UserCode ?? string.Empty).ToUriComponent();
            await Html(context, StatusCodes.Status200OK, HtmlPages.Login(LoginPath, returnUrl, state.User, error: null)).ConfigureAwait(false);
            return;
        }

        var decision = (string?)request[DevIdentityDefaults.DecisionField];
        if (decision is null || !HttpMethods.IsPost(context.Request.Method))
        {
            var hidden = new KeyValuePair<string, string?>[] { new(Parameters.UserCode, request.UserCode ?? string.Empty), new(CsrfField, session.Csrf) };
            var clientName = await ClientNameAsync(context, clientId).ConfigureAwait(false);
            await Html(context, StatusCodes.Status200OK, HtmlPages.Consent(VerifyPath, clientName, clientId, scopes, resources, user, hidden, request.UserCode)).ConfigureAwait(false);
            return;
        }

        if (!DevSessions.CsrfMatches(session, (string?)request[CsrfField]))
        {
            await Html(context, StatusCodes.Status400BadRequest, HtmlPages.Message("Request rejected", "The consent form was not submitted from this sign-in session.")).ConfigureAwait(false);
            return;
        }

        if (!string.Equals(decision, DevIdentityDefaults.Allow, StringComparison.Ordinal))
        {
            LogConsentDenied(Logger(context), clientId);
            await context.ForbidAsync(Scheme, new AuthenticationProperties { RedirectUri = VerifyDonePath + "?denied=1" }).ConfigureAwait(false);
            return;
        }

        await ApproveDeviceAsync(context, user, clientId, scopes, resources).ConfigureAwait(false);
    }

    private static Task VerifyDone(HttpContext context) =>
        context.Request.Query.ContainsKey("denied")
            ? Html(context, StatusCodes.Status200OK, HtmlPages.Message("Access denied", "The device was not connected. You can close this window.", "device-denied"))
            : Html(context, StatusCodes.Status200OK, HtmlPages.Message("Device connected", "The device is now signed in. You can close this window.", "device-approved"));

    private static async Task ApproveDeviceAsync(HttpContext context, DevIdentityUser user, string clientId, ImmutableArray<string> scopes, ImmutableArray<string> resources)
    {
        LogDeviceApproved(Logger(context), clientId, string.Join(' ', scopes));
        var principal = CreateUserPrincipal(user, scopes, resources);
        await context.SignInAsync(Scheme, principal, new AuthenticationProperties { RedirectUri = VerifyDonePath }).ConfigureAwait(false);
    }

    private static Task IssueAsync(HttpContext context, DevIdentityUser user, ImmutableArray<string> scopes, ImmutableArray<string> resources) =>
        context.SignInAsync(Scheme, CreateUserPrincipal(user, scopes, resources));

    private static ClaimsPrincipal CreateUserPrincipal(DevIdentityUser user, ImmutableArray<string> scopes, ImmutableArray<string> resources)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Subject)
            .SetClaim(Claims.Name, user.Name)
            .SetClaim(Claims.PreferredUsername, user.UserName)
            .SetClaim(Claims.Email, user.Email);
        identity.SetScopes(scopes);
        identity.SetResources(resources);
        identity.SetDestinations(ClaimDestinations);
        return new ClaimsPrincipal(identity);
    }

    private static IEnumerable<string> ClaimDestinations(Claim claim)
    {
        var principal = claim.Subject;
        switch (claim.Type)
        {
            case Claims.Subject:
                return [Destinations.AccessToken, Destinations.IdentityToken];
            case Claims.Name or Claims.PreferredUsername:
                return principal is not null && principal.HasScope(Scopes.Profile)
                    ? [Destinations.AccessToken, Destinations.IdentityToken]
                    : [Destinations.AccessToken];
            case Claims.Email:
                return principal is not null && principal.HasScope(Scopes.Email)
                    ? [Destinations.AccessToken, Destinations.IdentityToken]
                    : [];
            default:
                return [Destinations.AccessToken];
        }
    }

    private static Task ForbidAsync(HttpContext context, string error, string description) =>
        context.ForbidAsync(Scheme, new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }));

    private static async Task<string> ClientNameAsync(HttpContext context, string? clientId)
    {
        if (string.IsNullOrEmpty(clientId))
        {
            return "Unknown client";
        }

        var manager = context.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
        var application = await manager.FindByClientIdAsync(clientId, context.RequestAborted).ConfigureAwait(false);
        return application is null ? clientId : await manager.GetDisplayNameAsync(application, context.RequestAborted).ConfigureAwait(false) ?? clientId;
    }

    /// <summary>The authorization request's parameters as form fields, without the consent form's own.</summary>
    private static IEnumerable<KeyValuePair<string, string?>> RequestFields(OpenIddictRequest request)
    {
        foreach (var (name, parameter) in request.GetParameters())
        {
            if (name is DevIdentityDefaults.DecisionField or CsrfField)
            {
                continue;
            }

            foreach (var value in (StringValues)parameter)
            {
                yield return new(name, value);
            }
        }
    }

    private static bool IsLocalReturnUrl(string url) =>
        (url.StartsWith(AuthorizePath + "?", StringComparison.Ordinal) || url.StartsWith(VerifyPath + "?", StringComparison.Ordinal)) &&
        !url.Contains("//", StringComparison.Ordinal) && !url.Contains('\\', StringComparison.Ordinal);

    private static async Task Html(HttpContext context, int status, string html)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["X-Frame-Options"] = "DENY";
        await context.Response.WriteAsync(html, context.RequestAborted).ConfigureAwait(false);
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("McpAuthProxy.DevIdentity");
}
