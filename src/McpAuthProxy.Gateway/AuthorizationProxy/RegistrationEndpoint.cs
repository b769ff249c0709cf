using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>
/// The gateway's <c>/register</c> (RFC 7591) for providers without registration: rate-limited per address, JSON of at
/// most 64 KiB, checked by <see cref="RegistrationRequest"/>, then registered by the strategy given (a client signed by
/// the gateway, or an application created at Asgardeo), answered 201 as a public client.
/// </summary>
internal sealed partial class RegistrationEndpoint : IDisposable
{
    private readonly Func<RegistrationRequest, CancellationToken, Task<RegistrationOutcome>> _register;
    private readonly ILogger _logger;
    private readonly AddressRateLimit _limit;

    public RegistrationEndpoint(int perMinute, Func<RegistrationRequest, CancellationToken, Task<RegistrationOutcome>> register, ILogger logger)
    {
        _register = register;
        _logger = logger;
        _limit = new AddressRateLimit(perMinute);
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (!_limit.TryAcquire(context, out var address))
        {
            LogLimited(address);
            await FrontResponses.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, "invalid_request",
                "Too many registrations from this address; try again in a minute.").ConfigureAwait(false);
            return;
        }

        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            await FrontResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_client_metadata", "Send the registration as application/json.").ConfigureAwait(false);
            return;
        }

        RegistrationOutcome outcome;
        try
        {
            FrontResponses.LimitBody(context, 64 * 1024);
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            var (request, refusal) = RegistrationRequest.Read(document.RootElement);
            outcome = refusal ?? await _register(request!, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or BadHttpRequestException)
        {
            outcome = RegistrationOutcome.Fail("invalid_client_metadata", "The registration is not a JSON object of at most 64 KiB.");
        }

        if (outcome.Client is not { } client)
        {
            LogRefused(outcome.Description!);
            await FrontResponses.WriteErrorAsync(context, outcome.Status, outcome.Error!, outcome.Description!).ConfigureAwait(false);
            return;
        }

        await FrontResponses.WriteJsonAsync(context, StatusCodes.Status201Created, w =>
        {
            w.WriteString("client_id", client.ClientId);
            w.WriteNumber("client_id_issued_at", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            if (client.ClientName is { } name)
            {
                w.WriteString("client_name", name);
            }

            FrontResponses.WriteArray(w, "redirect_uris", client.RedirectUris);
            FrontResponses.WriteArray(w, "grant_types", ["authorization_code", "refresh_token"]);
            FrontResponses.WriteArray(w, "response_types", ["code"]);
            w.WriteString("token_endpoint_auth_method", "none");
        }).ConfigureAwait(false);
    }

    public void Dispose() => _limit.Dispose();

    [LoggerMessage(Diagnostics.EventIds.FrontRegistrationLimited, LogLevel.Warning, "Registration rate limit reached for {Address}.")]
    private partial void LogLimited(string address);

    [LoggerMessage(Diagnostics.EventIds.FrontRequestRefused, LogLevel.Warning, "Refused /register: {Reason}")]
    private partial void LogRefused(string reason);
}
