using System.Net;
using System.Text.RegularExpressions;

// A stand-in browser for sign-in tests, started by the product through $BROWSER exactly as a real browser would be.
// It loads the URL like a browser with a signed-in user: follows redirects with cookies, and where a page shows a
// form (sign-in, consent) it fills it in and submits it, until it reaches the loopback callback page.
//   TEST_BROWSER_LOG       file to append "open <url>" and the outcome to (so a test can tell whether it ran)
//   TEST_BROWSER_MODE      follow (default) | ignore (a user who never signs in) | deny (press the deny button)
//   TEST_BROWSER_USER / TEST_BROWSER_PASSWORD   values for username/password fields
//   TEST_BROWSER_DELAY_MS  wait before loading, like a slow human
var url = args.Length > 0 ? args[^1] : throw new ArgumentException("usage: test-browser URL");
var log = Environment.GetEnvironmentVariable("TEST_BROWSER_LOG");
void Log(string line)
{
    if (log is not null)
    {
        File.AppendAllText(log, $"{DateTimeOffset.UtcNow:O} {line}{Environment.NewLine}");
    }
}

Log("open " + url);
var mode = Environment.GetEnvironmentVariable("TEST_BROWSER_MODE") ?? "follow";
if (mode == "ignore")
{
    return 0;
}

if (int.TryParse(Environment.GetEnvironmentVariable("TEST_BROWSER_DELAY_MS"), out var delay))
{
    await Task.Delay(delay);
}

// Cookies are kept by hand, per host as browsers do, because .NET's CookieContainer never sends a Secure cookie over http,
// while browsers treat loopback as a secure context (the gateway's __Host- consent cookies on http://127.0.0.1).
var jar = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
{
    Timeout = TimeSpan.FromSeconds(30),
};
http.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (test-browser)");
http.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml");

var next = new HttpRequestMessage(HttpMethod.Get, url);
for (var hop = 0; hop < 30; hop++)
{
    var current = next.RequestUri!;
    if (jar.TryGetValue(current.Host, out var sent) && sent.Count > 0)
    {
        next.Headers.Add("Cookie", string.Join("; ", sent.Select(c => c.Key + "=" + c.Value)));
    }

    using var response = await http.SendAsync(next);
    if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
    {
        var cookies = jar.TryGetValue(current.Host, out var existing) ? existing : jar[current.Host] = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setCookie in setCookies)
        {
            var parts = setCookie.Split(';', StringSplitOptions.TrimEntries);
            var equals = parts[0].IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var expired = parts.Any(p => p.Equals("max-age=0", StringComparison.OrdinalIgnoreCase))
                || parts.Any(p => p.StartsWith("expires=", StringComparison.OrdinalIgnoreCase) && DateTimeOffset.TryParse(p[8..], out var at) && at < DateTimeOffset.UtcNow);
            if (expired)
            {
                cookies.Remove(parts[0][..equals]);
            }
            else
            {
                cookies[parts[0][..equals]] = parts[0][(equals + 1)..];
            }
        }
    }

    if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
    {
        var target = location.IsAbsoluteUri ? location : new Uri(current, location);
        next = new HttpRequestMessage(HttpMethod.Get, target);
        continue;
    }

    var html = await response.Content.ReadAsStringAsync();
    var form = Regex.Match(html, "<form[^>]*>(.*?)</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase);
    if (!response.IsSuccessStatusCode || !form.Success)
    {
        Log($"done {(int)response.StatusCode} {current.GetLeftPart(UriPartial.Path)} {Regex.Replace(html, "<[^>]+>", " ").Trim()[..Math.Min(200, Regex.Replace(html, "<[^>]+>", " ").Trim().Length)]}");
        return response.IsSuccessStatusCode ? 0 : 1;
    }

    // Fill in and submit the first form, as a user would.
    var formTag = Regex.Match(form.Value, "<form[^>]*>", RegexOptions.IgnoreCase).Value;
    var action = Attribute(formTag, "action");
    var method = Attribute(formTag, "method") ?? "get";
    var fields = new List<KeyValuePair<string, string>>();
    foreach (Match input in Regex.Matches(form.Groups[1].Value, "<input[^>]*>", RegexOptions.IgnoreCase))
    {
        var name = Attribute(input.Value, "name");
        if (name is null)
        {
            continue;
        }

        var type = (Attribute(input.Value, "type") ?? "text").ToLowerInvariant();
        var value = Attribute(input.Value, "value") ?? "";
        if (type is "submit" or "button")
        {
            continue;
        }

        if (name.Contains("user", StringComparison.OrdinalIgnoreCase) || name.Contains("login", StringComparison.OrdinalIgnoreCase) || name == "email")
        {
            value = Environment.GetEnvironmentVariable("TEST_BROWSER_USER") ?? (value.Length > 0 ? value : "demo");
        }
        else if (type == "password")
        {
            value = Environment.GetEnvironmentVariable("TEST_BROWSER_PASSWORD") ?? (value.Length > 0 ? value : "demo");
        }

        fields.Add(new(name, WebUtility.HtmlDecode(value)));
    }

    // The button pressed: the allow/submit one, or deny where the test says so.
    var buttons = Regex.Matches(form.Groups[1].Value, "<(button|input)[^>]*(type=\"submit\"|<button)[^>]*>", RegexOptions.IgnoreCase)
        .Concat(Regex.Matches(form.Groups[1].Value, "<button[^>]*>", RegexOptions.IgnoreCase)).Select(m => m.Value).Distinct().ToList();
    var chosen = buttons.FirstOrDefault(b => (Attribute(b, "value") ?? "").Contains(mode == "deny" ? "deny" : "allow", StringComparison.OrdinalIgnoreCase))
        ?? (mode == "deny" ? null : buttons.FirstOrDefault());
    if (chosen is not null && Attribute(chosen, "name") is { } buttonName)
    {
        fields.Add(new(buttonName, WebUtility.HtmlDecode(Attribute(chosen, "value") ?? "")));
    }

    var target2 = action is null ? current : new Uri(current, WebUtility.HtmlDecode(action));
    Log($"submit {method.ToUpperInvariant()} {target2.GetLeftPart(UriPartial.Path)}");
    if (method.Equals("post", StringComparison.OrdinalIgnoreCase))
    {
        next = new HttpRequestMessage(HttpMethod.Post, target2) { Content = new FormUrlEncodedContent(fields) };
    }
    else
    {
        var query = string.Join("&", fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value)));
        next = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(target2) { Query = query }.Uri);
    }
}

Log("gave up: too many hops");
return 1;

static string? Attribute(string tag, string name)
{
    var m = Regex.Match(tag, $"\\b{name}\\s*=\\s*(\"([^\"]*)\"|'([^']*)')", RegexOptions.IgnoreCase);
    return m.Success ? (m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value) : null;
}
