using System.Net.Http.Headers;

namespace McpAuthProxy.Bridge.Authorization;

/// <summary>
/// <c>--no-resource</c> in discovery mode: takes the RFC 8707 <c>resource</c> parameter out of form-encoded requests
/// (token and refresh requests), for identity providers that reject it. The authorization URL is filtered where the
/// browser is opened (<see cref="BrowserAuthorization"/>).
/// </summary>
internal sealed class ResourceParameterFilter : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is { Headers.ContentType.MediaType: "application/x-www-form-urlencoded" } content)
        {
            var form = await content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var kept = Without(form);
            if (kept.Length != form.Length)
            {
                request.Content = new StringContent(kept, new MediaTypeHeaderValue("application/x-www-form-urlencoded"));
            }
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The query or form string without its <c>resource</c> pairs.</summary>
    public static string Without(string pairs) =>
        string.Join('&', pairs.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.StartsWith("resource=", StringComparison.Ordinal) && p != "resource"));

    public static Uri Without(Uri url) => new UriBuilder(url) { Query = Without(url.Query) }.Uri;
}
