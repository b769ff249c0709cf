using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using McpAuthProxy.OAuth.Diagnostics;
using McpAuthProxy.OAuth.Discovery;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.OAuth.Http;

/// <summary>
/// Puts our bearer token on every request to the MCP server. On a 401 it renews the token (refresh, else sign-in)
/// and retries the request once; a renewal that fails surfaces as an <see cref="OAuthException"/> that says why.
/// </summary>
public sealed partial class BearerTokenHandler(IAccessTokenSource tokens, ILogger<BearerTokenHandler> logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAccessTokenAsync(cancellationToken).ConfigureAwait(false);
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        var response = await SendWithTokenAsync(request, token, cancellationToken).ConfigureAwait(false);
        var challenge = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? BearerChallenge.Parse(response.Headers.WwwAuthenticate.Select(h => h.ToString()))
            : null;
        var stepUp = response.StatusCode == HttpStatusCode.Forbidden && challenge?.Error == "insufficient_scope" && challenge.Scope is not null;
        if (response.StatusCode != HttpStatusCode.Unauthorized && !stepUp)
        {
            return response;
        }

        LogChallenge((int)response.StatusCode, challenge?.Error ?? "-", Fingerprint.Of(token));
        string renewed;
        try
        {
            renewed = await tokens.RenewAsync(token, challenge, cancellationToken).ConfigureAwait(false);
        }
        catch (OAuthException) when (stepUp)
        {
            // No broader token to be had (a retry limit, or the user said no): the client gets the 403 as it is.
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }

        response.Dispose();
        LogRetry(request.Method, request.RequestUri, Fingerprint.Of(renewed));
        using var retry = await CloneAsync(request, cancellationToken).ConfigureAwait(false);
        return await SendWithTokenAsync(retry, renewed, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendWithTokenAsync(HttpRequestMessage request, string? token, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        var started = Stopwatch.GetTimestamp();
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogExchange(request.Method, request.RequestUri, (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds, Fingerprint.Of(token));
        }

        return response;
    }

    private static async Task<HttpRequestMessage> CloneAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var clone = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var header in request.Headers)
        {
            if (!string.Equals(header.Key, "Authorization", StringComparison.OrdinalIgnoreCase))
            {
                clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        if (request.Content is not null)
        {
            var body = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            clone.Content = new ByteArrayContent(body);
            foreach (var header in request.Content.Headers)
            {
                clone.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return clone;
    }

    [LoggerMessage(EventIds.HttpExchange, LogLevel.Debug, "{Method} {Uri} -> {Status} in {Milliseconds:0.0} ms (bearer {Fingerprint}).")]
    private partial void LogExchange(HttpMethod method, Uri? uri, int status, double milliseconds, string fingerprint);

    [LoggerMessage(EventIds.Challenge, LogLevel.Information, "The MCP server answered {Status} ({Error}) to token {Fingerprint}; renewing it.")]
    private partial void LogChallenge(int status, string error, string fingerprint);

    [LoggerMessage(EventIds.RetryAfterChallenge, LogLevel.Debug, "Retrying {Method} {Uri} with token {Fingerprint}.")]
    private partial void LogRetry(HttpMethod method, Uri? uri, string fingerprint);
}
