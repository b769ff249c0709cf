using System.Net;
using System.Text.RegularExpressions;

namespace McpAuthProxy.DevIdentity.Headless;

/// <summary>
/// Signs in on the development identity provider without a person, the way a browser would: GET the authorization
/// URL, POST the demo user's credentials to the sign-in form, POST <c>decision=allow</c> (or deny) to the consent
/// form, and stop at the redirect that leaves the identity provider. For <c>demo --check</c> and tests.
/// </summary>
public static partial class HeadlessSignIn
{
    private const int MaxSteps = 12;

    /// <summary>
    /// Completes an authorization request and returns the redirect to the client: <c>redirect_uri?code=…&amp;state=…&amp;iss=…</c>,
    /// or <c>?error=access_denied…</c> when <paramref name="allow"/> is false. Nothing is sent to the redirect URI.
    /// </summary>
    /// <exception cref="InvalidOperationException">The identity provider answered with a page that is neither sign-in nor consent (an error), or the credentials were refused.</exception>
    public static async Task<Uri> AuthorizeAsync(Uri authorizationUrl, string userName, string password, bool allow = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(authorizationUrl);
        using var http = CreateClient();
        var outcome = await WalkAsync(http, authorizationUrl, userName, password, allow, cancellationToken).ConfigureAwait(false);
        return outcome.Redirect ?? throw new InvalidOperationException("The identity provider did not redirect back to the client: " + outcome.PageText);
    }

    /// <summary>Approves (or denies) a device authorization at its <c>verification_uri_complete</c>; true once the page confirms it.</summary>
    public static async Task<bool> ApproveDeviceAsync(Uri verificationUriComplete, string userName, string password, bool allow = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(verificationUriComplete);
        using var http = CreateClient();
        var outcome = await WalkAsync(http, verificationUriComplete, userName, password, allow, cancellationToken).ConfigureAwait(false);
        return outcome.PageText?.Contains("device-approved", StringComparison.Ordinal) == true;
    }

    private static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = true,
        CookieContainer = new CookieContainer(),
        UseProxy = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static async Task<(Uri? Redirect, string? PageText)> WalkAsync(HttpClient http, Uri start, string userName, string password, bool allow, CancellationToken cancellationToken)
    {
        var origin = start.GetLeftPart(UriPartial.Authority);
        var signedIn = false;
        using var first = new HttpRequestMessage(HttpMethod.Get, start);
        var next = await http.SendAsync(first, cancellationToken).ConfigureAwait(false);
        for (var step = 0; step < MaxSteps; step++)
        {
            using var response = next;
            if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.RedirectKeepVerb or HttpStatusCode.TemporaryRedirect
                && response.Headers.Location is { } location)
            {
                var target = location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
                if (!string.Equals(target.GetLeftPart(UriPartial.Authority), origin, StringComparison.OrdinalIgnoreCase))
                {
                    return (target, null);
                }

                next = await http.GetAsync(target, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var html = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var form = Form.Parse(html);
            if (form is null)
            {
                return (null, html);
            }

            List<KeyValuePair<string, string>> fields = [.. form.Hidden];
            if (form.HasField(DevIdentityDefaults.PasswordField))
            {
                if (signedIn)
                {
                    throw new InvalidOperationException($"The identity provider refused the credentials of '{userName}'.");
                }

                signedIn = true;
                fields.Add(new(DevIdentityDefaults.UserNameField, userName));
                fields.Add(new(DevIdentityDefaults.PasswordField, password));
            }
            else if (form.HasField(DevIdentityDefaults.DecisionField))
            {
                fields.Add(new(DevIdentityDefaults.DecisionField, allow ? DevIdentityDefaults.Allow : DevIdentityDefaults.Deny));
            }
            else
            {
                return (null, html);
            }

            var action = new Uri(response.RequestMessage!.RequestUri!, form.Action);
            using var content = new FormUrlEncodedContent(fields);
            next = await http.PostAsync(action, content, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"Signing in took more than {MaxSteps} steps.");
    }

    private sealed record Form(string Action, IReadOnlyList<KeyValuePair<string, string>> Hidden, IReadOnlyList<string> Names)
    {
        public bool HasField(string name) => Names.Contains(name, StringComparer.Ordinal);

        public static Form? Parse(string html)
        {
            var open = FormTag().Match(html);
            if (!open.Success || !string.Equals(Attribute(open.Value, "method"), "post", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            var end = html.IndexOf("</form>", open.Index, StringComparison.Ordinal);
            var body = end < 0 ? html[open.Index..] : html[open.Index..end];
            var hidden = new List<KeyValuePair<string, string>>();
            var names = new List<string>();
            foreach (Match field in FieldTag().Matches(body))
            {
                if (Attribute(field.Value, "name") is not { } name)
                {
                    continue;
                }

                names.Add(name);
                if (string.Equals(Attribute(field.Value, "type"), "hidden", StringComparison.Ordinal))
                {
                    hidden.Add(new(name, Attribute(field.Value, "value") ?? string.Empty));
                }
            }

            return new Form(Attribute(open.Value, "action") ?? string.Empty, hidden, names);
        }

        private static string? Attribute(string tag, string name)
        {
            foreach (Match attribute in AttributePattern().Matches(tag))
            {
                if (string.Equals(attribute.Groups[1].Value, name, StringComparison.OrdinalIgnoreCase))
                {
                    return WebUtility.HtmlDecode(attribute.Groups[2].Value);
                }
            }

            return null;
        }
    }

    [GeneratedRegex("<form\\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex FormTag();

    [GeneratedRegex("<(?:input|button)\\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex FieldTag();

    [GeneratedRegex("([a-zA-Z_:-]+)=\"([^\"]*)\"")]
    private static partial Regex AttributePattern();
}
