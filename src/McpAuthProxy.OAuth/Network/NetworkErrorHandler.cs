using System.Net.Security;
using System.Security.Authentication;

namespace McpAuthProxy.OAuth.Network;

/// <summary>
/// Turns the two failures that corporate networks cause into one line that says what to do: a TLS certificate that is
/// not trusted (name <c>--ca-cert</c>), and a proxy that cannot be reached or refuses the tunnel (name the proxy and
/// the variable it came from). Only the origin of the request is named, never its path or query, and never the proxy's
/// credentials.
/// </summary>
public sealed class NetworkErrorHandler : DelegatingHandler
{
    private readonly OutboundHttp _network;

    public NetworkErrorHandler(OutboundHttp network) => _network = network;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (request.RequestUri is { } uri && Describe(uri, e, _network.LastRefusal(uri.IdnHost)) is { } message)
        {
            throw new HttpRequestException(e.HttpRequestError, message, e, e.StatusCode);
        }
    }

    /// <summary>The one-line message for <paramref name="error"/> on a request to <paramref name="uri"/>, or null to leave it as it is.</summary>
    internal string? Describe(Uri uri, HttpRequestException error, SslPolicyErrors? certificateErrors)
    {
        var origin = uri.GetLeftPart(UriPartial.Authority);
        var route = _network.Proxy?.Route(uri);
        var via = route is null ? "" : $" (through the proxy {route})";
        if (Find<AuthenticationException>(error) is { } tls)
        {
            if (certificateErrors is { } errors && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                return $"The TLS certificate of {origin}{via} is not for {uri.IdnHost} (another name, or none); check the URL, or ask for a certificate that names {uri.IdnHost}.";
            }

            var reason = certificateErrors is { } chain && chain.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors)
                ? "no trusted CA issued it"
                : tls.Message.TrimEnd('.');
            var fix = _network.Trust is { } trust
                ? $"it is trusted neither by the system nor by {string.Join(", ", trust.Files)}; pass the CA that issued it with --ca-cert FILE.pem"
                : "if it comes from a private CA (a corporate network, TLS inspection), pass that CA with --ca-cert FILE.pem (or SSL_CERT_FILE=FILE.pem)";
            return $"The TLS certificate of {origin}{via} is not trusted ({reason}); {fix}.";
        }

        if (route is not null && error.HttpRequestError is HttpRequestError.ProxyTunnelError or HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            return $"Could not reach {origin} through the proxy {route}: {error.Message.TrimEnd('.')}. Check {route.Variable}, or add {uri.IdnHost} to NO_PROXY if it must be reached directly.";
        }

        return null;
    }

    private static T? Find<T>(Exception? error) where T : Exception
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is T found)
            {
                return found;
            }
        }

        return null;
    }
}
