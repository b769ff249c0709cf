using System.Text;
using System.Text.Encodings.Web;

namespace McpAuthProxy.DevIdentity.Server;

/// <summary>
/// The sign-in, consent and device pages. Plain HTML with one form each, so a browser and a plain HTTP client
/// (collect the form's hidden inputs, add the visible fields, POST to its action) both get through.
/// </summary>
internal static class HtmlPages
{
    private const string Style = """
        body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:2rem;color:#1d2330}
        main{max-width:30rem;margin:2rem auto;background:#fff;border-radius:8px;padding:2rem;box-shadow:0 1px 4px #0002}
        h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem}
        input[type=text],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box}
        button{margin-top:1rem;margin-right:.5rem;padding:.5rem 1.2rem;font-size:1rem}
        .hint{background:#eef4ff;border-left:4px solid #4a78d6;padding:.6rem .8rem;margin:1rem 0}
        .error{background:#fdecec;border-left:4px solid #c83232;padding:.6rem .8rem;margin:1rem 0}
        code{background:#f0f0f0;padding:0 .25rem}
        """;

    public static string Login(string action, string returnUrl, DevIdentityUser user, string? error)
    {
        var body = new StringBuilder();
        body.Append("<h1>Sign in to the development identity provider</h1>");
        if (error is not null)
        {
            body.Append("<p class=\"error\" id=\"error\">").Append(Encode(error)).Append("</p>");
        }

        body.Append("<p class=\"hint\">Demo user: <code id=\"demo-username\">").Append(Encode(user.UserName))
            .Append("</code> password: <code id=\"demo-password\">").Append(Encode(user.Password)).Append("</code></p>");
        body.Append("<form method=\"post\" action=\"").Append(Encode(action)).Append("\">");
        Hidden(body, "returnUrl", returnUrl);
        body.Append("<label for=\"username\">User name</label><input type=\"text\" id=\"username\" name=\"")
            .Append(DevIdentityDefaults.UserNameField).Append("\" autocomplete=\"username\" autofocus>");
        body.Append("<label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"")
            .Append(DevIdentityDefaults.PasswordField).Append("\" autocomplete=\"current-password\">");
        body.Append("<button type=\"submit\">Sign in</button></form>");
        return Page("Sign in", body.ToString());
    }

    public static string Consent(
        string action,
        string clientName,
        string clientId,
        IEnumerable<string> scopes,
        IEnumerable<string> resources,
        DevIdentityUser user,
        IEnumerable<KeyValuePair<string, string?>> hiddenFields,
        string? userCode = null)
    {
        var body = new StringBuilder();
        body.Append("<h1>Allow access?</h1>");
        body.Append("<p><strong id=\"client-name\">").Append(Encode(clientName)).Append("</strong> (client <code id=\"client-id\">")
            .Append(Encode(clientId)).Append("</code>) asks to act as <strong>").Append(Encode(user.Name)).Append("</strong>.</p>");
        if (userCode is not null)
        {
            body.Append("<p>Device code: <code id=\"user-code\">").Append(Encode(userCode)).Append("</code></p>");
        }

        body.Append("<p>Scopes:</p><ul id=\"scopes\">");
        foreach (var scope in scopes)
        {
            body.Append("<li><code>").Append(Encode(scope)).Append("</code> ").Append(Encode(Describe(scope))).Append("</li>");
        }

        body.Append("</ul>");
        var resourceList = resources.ToList();
        if (resourceList.Count > 0)
        {
            body.Append("<p>For:</p><ul id=\"resources\">");
            foreach (var resource in resourceList)
            {
                body.Append("<li><code>").Append(Encode(resource)).Append("</code></li>");
            }

            body.Append("</ul>");
        }

        body.Append("<form method=\"post\" action=\"").Append(Encode(action)).Append("\">");
        foreach (var (name, value) in hiddenFields)
        {
            Hidden(body, name, value ?? string.Empty);
        }

        body.Append("<button type=\"submit\" name=\"").Append(DevIdentityDefaults.DecisionField).Append("\" value=\"")
            .Append(DevIdentityDefaults.Allow).Append("\">Allow</button>");
        body.Append("<button type=\"submit\" name=\"").Append(DevIdentityDefaults.DecisionField).Append("\" value=\"")
            .Append(DevIdentityDefaults.Deny).Append("\">Deny</button></form>");
        return Page("Allow access?", body.ToString());
    }

    public static string DeviceEntry(string action, string? error)
    {
        var body = new StringBuilder();
        body.Append("<h1>Connect a device</h1>");
        if (error is not null)
        {
            body.Append("<p class=\"error\" id=\"error\">").Append(Encode(error)).Append("</p>");
        }

        body.Append("<form method=\"get\" action=\"").Append(Encode(action)).Append("\">");
        body.Append("<label for=\"user_code\">Code shown on the device</label><input type=\"text\" id=\"user_code\" name=\"user_code\">");
        body.Append("<button type=\"submit\">Continue</button></form>");
        return Page("Connect a device", body.ToString());
    }

    public static string Message(string title, string text, string id = "message") =>
        Page(title, "<h1>" + Encode(title) + "</h1><p id=\"" + id + "\">" + Encode(text) + "</p>");

    public static string Home(Uri issuer, DevIdentityUser user, IEnumerable<DevIdentityClient> clients)
    {
        var body = new StringBuilder();
        body.Append("<h1>mcp-auth-proxy development identity provider</h1>");
        body.Append("<p>Issuer: <code>").Append(Encode(issuer.AbsoluteUri)).Append("</code></p>");
        body.Append("<p>Metadata: <a href=\".well-known/openid-configuration\">openid-configuration</a>, ")
            .Append("<a href=\".well-known/oauth-authorization-server\">oauth-authorization-server</a></p>");
        body.Append("<p class=\"hint\">Demo user: <code>").Append(Encode(user.UserName)).Append("</code> password: <code>")
            .Append(Encode(user.Password)).Append("</code></p><p>Clients:</p><ul>");
        foreach (var client in clients)
        {
            body.Append("<li><code>").Append(Encode(client.ClientId)).Append("</code> ").Append(Encode(client.DisplayName ?? string.Empty)).Append("</li>");
        }

        body.Append("</ul>");
        return Page("Development identity provider", body.ToString());
    }

    public static string Describe(string scope) => scope switch
    {
        "openid" => "sign you in",
        "profile" => "see your name",
        "email" => "see your email address",
        "offline_access" => "stay signed in (refresh tokens)",
        DevIdentityDefaults.McpToolsScope => "use the MCP server's tools",
        DevIdentityDefaults.McpAdminScope => "use the MCP server's administrative tools",
        _ => string.Empty,
    };

    private static void Hidden(StringBuilder body, string name, string value) =>
        body.Append("<input type=\"hidden\" name=\"").Append(Encode(name)).Append("\" value=\"").Append(Encode(value)).Append("\">");

    private static string Encode(string value) => HtmlEncoder.Default.Encode(value);

    private static string Page(string title, string body) =>
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Encode(title) +
        "</title><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><style>" + Style +
        "</style></head><body><main>" + body + "</main></body></html>";
}
