using System.Net;
using Microsoft.AspNetCore.WebUtilities;

namespace McpAuthProxy.DevIdentity.Tests.Support;

/// <summary>
/// A browser stand-in: a cookie jar, no automatic redirects. It follows the sign-in and consent forms the way a
/// person would and stops at the redirect to the client's loopback address.
/// </summary>
internal sealed class Browser : IDisposable
{
    private readonly HttpClient _http;

    public Browser(Uri issuer)
    {
        Issuer = issuer;
        _http = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = issuer,
            Timeout = TestTimeouts.Default,
        };
    }

    public Uri Issuer { get; }

    public HttpClient Http => _http;

    public async Task<HttpResponseMessage> GetAsync(Uri url) => await _http.GetAsync(url, TestContext.Current.CancellationToken);

    public async Task<HttpResponseMessage> SubmitAsync(HttpResponseMessage page, params (string Name, string Value)[] fields)
    {
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var form = HtmlForm.Parse(await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var target = new Uri(Issuer, form.Action);
        if (string.Equals(form.Method, "get", StringComparison.OrdinalIgnoreCase))
        {
            var query = QueryHelpers.AddQueryString(target.AbsoluteUri, form.Fields.Concat(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)))
                .Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
            return await _http.GetAsync(query, TestContext.Current.CancellationToken);
        }

        return await _http.PostAsync(target, form.With(fields), TestContext.Current.CancellationToken);
    }

    /// <summary>Follows same-origin redirects until the server answers with a page or redirects elsewhere.</summary>
    public async Task<HttpResponseMessage> FollowAsync(HttpResponseMessage response)
    {
        for (var hops = 0; hops < 10 && response.StatusCode is HttpStatusCode.Found or HttpStatusCode.Redirect or HttpStatusCode.SeeOther; hops++)
        {
            var location = new Uri(Issuer, response.Headers.Location!);
            if (!string.Equals(location.GetLeftPart(UriPartial.Authority), Issuer.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal))
            {
                return response;
            }

            response = await _http.GetAsync(location, TestContext.Current.CancellationToken);
        }

        return response;
    }

    /// <summary>GET the authorization URL, sign in, answer the consent page; returns the redirect to the client.</summary>
    public async Task<Uri> AuthorizeAsync(Uri authorizeUrl, string userName, string password, string decision = "allow")
    {
        var login = await GetAsync(authorizeUrl);
        var consent = await FollowAsync(await SubmitAsync(login, ("username", userName), ("password", password)));
        var redirect = await FollowAsync(await SubmitAsync(consent, ("decision", decision)));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        return redirect.Headers.Location!;
    }

    public void Dispose() => _http.Dispose();
}
