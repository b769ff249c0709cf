using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace McpAuthProxy.OAuth.Authorization;

/// <summary>What the authorization server sent back to the redirect URI, once checked.</summary>
public sealed record AuthorizationResponse(string Code, string? Issuer);

/// <summary>What a callback must carry to be accepted.</summary>
/// <param name="State">The <c>state</c> sent with the request.</param>
/// <param name="Issuer">The issuer recorded before the redirect (RFC 9207).</param>
/// <param name="IssuerRequired">The server advertised <c>authorization_response_iss_parameter_supported</c>.</param>
public sealed record ExpectedCallback(string State, string? Issuer, bool IssuerRequired);

/// <summary>
/// The loopback redirect target: Kestrel on 127.0.0.1 at the redirect URI's port, answering exactly its path,
/// alive only while one sign-in waits for its answer.
/// </summary>
public sealed class LoopbackCallbackListener : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource<AuthorizationResponse> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ExpectedCallback? _expected;

    private LoopbackCallbackListener(WebApplication app, Uri redirectUri)
    {
        _app = app;
        RedirectUri = redirectUri;
    }

    /// <summary>The redirect URI to send, with the bound port where the configured one was 0.</summary>
    public Uri RedirectUri { get; private set; }

    /// <summary>Binds the listener. A port in use fails with a message that says how to pick another.</summary>
    public static async Task<LoopbackCallbackListener> StartAsync(Uri redirectUri, CancellationToken cancellationToken)
    {
        if (redirectUri.Scheme != Uri.UriSchemeHttp || !AuthorizationUrl.IsLoopback(redirectUri))
        {
            throw new OAuthException($"The redirect URL {redirectUri} must be http:// on localhost or 127.0.0.1, e.g. http://localhost:8080/auth/callback.");
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, redirectUri.Port);
        });
        var app = builder.Build();
        var listener = new LoopbackCallbackListener(app, redirectUri);
        app.Run(listener.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new OAuthException(
                $"The sign-in callback port {redirectUri.Port} on 127.0.0.1 is in use by another program. Close that program, or set --oidc-redirect-url (OIDC_REDIRECT_URL) to a free port, e.g. http://localhost:{(redirectUri.Port == 8080 ? 8976 : 8080)}{redirectUri.AbsolutePath}, and register that URL with your identity provider.", e);
        }

        if (redirectUri.Port == 0)
        {
            var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            listener.RedirectUri = new UriBuilder(redirectUri) { Port = bound.Port }.Uri;
        }

        return listener;
    }

    /// <summary>Waits for the callback that carries <paramref name="expected"/>'s state; other requests are answered and ignored.</summary>
    public async Task<AuthorizationResponse> WaitAsync(ExpectedCallback expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _expected = expected;
        try
        {
            return await _result.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new OAuthException($"Sign-in timed out after {FormatDuration(timeout)} without an answer from the browser. Run again and finish signing in, or allow more time with --login-timeout.");
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        response.Headers["X-Frame-Options"] = "DENY";
        response.Headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
        response.Headers["Cache-Control"] = "no-store";
        response.Headers["Referrer-Policy"] = "no-referrer";

        if (!string.Equals(context.Request.Path.Value, RedirectUri.AbsolutePath, StringComparison.Ordinal))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET";
            return;
        }

        var query = context.Request.Query;
        var expected = _expected;
        string? state = query["state"];
        if (expected is null || state is null || !FixedTimeEquals(state, expected.State))
        {
            // Not the answer to our request (a stale tab, or someone else's request): refuse it, keep waiting.
            await WritePageAsync(response, 400, "Sign-in failed", "This sign-in answer does not match the request in progress (state mismatch). Start the sign-in again from your MCP client.").ConfigureAwait(false);
            return;
        }

        string? iss = query["iss"];
        if (expected.Issuer is not null && (iss is not null ? !string.Equals(iss, expected.Issuer, StringComparison.Ordinal) : expected.IssuerRequired))
        {
            // RFC 9207: a mismatched or missing issuer means a possible mix-up; its error fields are not shown or used.
            var problem = iss is null ? "carries no issuer (iss)" : $"comes from issuer '{iss}', not '{expected.Issuer}'";
            await WritePageAsync(response, 400, "Sign-in failed", $"The answer {problem}. It was ignored.").ConfigureAwait(false);
            _result.TrySetException(new OAuthException($"The sign-in answer {problem}; it was rejected to prevent an authorization server mix-up (RFC 9207)."));
            return;
        }

        string? error = query["error"];
        if (error is not null)
        {
            string? description = query["error_description"];
            var text = error == "access_denied" ? "Access was denied." : $"The identity provider answered {error}{(description is null ? "" : ": " + description)}.";
            await WritePageAsync(response, 400, "Sign-in failed", text).ConfigureAwait(false);
            _result.TrySetException(new OAuthException($"The identity provider refused the sign-in: {OneLine(error)}{(description is null ? "" : " (" + OneLine(description) + ")")}. Check the client id, redirect URL and scopes registered with it.", error));
            return;
        }

        string? code = query["code"];
        if (string.IsNullOrEmpty(code))
        {
            await WritePageAsync(response, 400, "Sign-in failed", "The answer carries no authorization code.").ConfigureAwait(false);
            _result.TrySetException(new OAuthException("The identity provider's answer carried no authorization code."));
            return;
        }

        await WritePageAsync(response, 200, "Signed in", "You are signed in. You may close this tab and return to your MCP client.").ConfigureAwait(false);
        _result.TrySetResult(new AuthorizationResponse(code, iss));
    }

    private static async Task WritePageAsync(HttpResponse response, int status, string title, string text)
    {
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        if (status != 200)
        {
            text += " You may close this tab: the mcp-auth-proxy log (stderr, where your MCP client keeps it) says what to change.";
        }

        var html = $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>{{WebUtility.HtmlEncode(title)}} · mcp-auth-proxy</title>
            <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}</style></head>
            <body><h1>{{WebUtility.HtmlEncode(title)}}</h1><p>{{WebUtility.HtmlEncode(text)}}</p></body></html>
            """;
        await response.WriteAsync(html, Encoding.UTF8).ConfigureAwait(false);
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    internal static string OneLine(string text)
    {
        var line = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return line.Length > 300 ? line[..300] + "..." : line;
    }

    internal static string FormatDuration(TimeSpan t) =>
        t.TotalMinutes >= 1 && t.Seconds == 0 ? $"{(int)t.TotalMinutes} minute{(t.TotalMinutes == 1 ? "" : "s")}" : $"{(int)t.TotalSeconds} seconds";

    public async ValueTask DisposeAsync()
    {
        _result.TrySetCanceled();
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
