using System.Text;
using static McpAuthProxy.Gateway.AuthorizationProxy.FrontResponses;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>
/// The gateway's own consent page, shown per MCP client before anything goes to the identity provider: who asks (the
/// name it gave itself, marked unverified), where the sign-in result will be sent (its registered redirect URI), and
/// which permissions. The form carries the pending request's id and its CSRF token; every value is HTML-escaped.
/// </summary>
internal static class ConsentPage
{
    public static string Render(AuthorizationRequest request, IReadOnlyList<string> extraScopes, string providerIssuer, string transaction, string csrfToken)
    {
        var client = request.Client;
        var name = client.ClientName ?? "An unnamed MCP client";
        var redirect = new Uri(request.RedirectUri);
        var html = new StringBuilder()
            .Append("<h1>Allow <strong>").Append(Html(name)).Append("</strong> to use this MCP server?</h1>")
            .Append("<p class=\"note\">Allow this only if you have just started a sign-in from this application yourself. ")
            .Append("If a link or a web page brought you here unexpectedly, deny.</p><dl>")
            .Append("<dt>Application</dt><dd>").Append(Html(name)).Append(client.FromMetadataDocument
                ? " <span class=\"tag\">(described at " + Html(new Uri(client.ClientId).Host) + ")</span>"
                : " <span class=\"tag\">(name given by the application, not verified)</span>").Append("</dd>")
            .Append("<dt>Sign-in result goes to</dt><dd><code>").Append(Html(request.RedirectUri)).Append("</code>")
            .Append(redirect.IsLoopback ? " <span class=\"tag\">(an application on this computer)</span>" : "").Append("</dd>")
            .Append("<dt>MCP server</dt><dd><code>").Append(Html(request.Resource)).Append("</code></dd>")
            .Append("<dt>Permissions</dt><dd>");
        var scopes = request.Scopes.Concat(extraScopes).Distinct(StringComparer.Ordinal).ToList();
        if (scopes.Count == 0)
        {
            html.Append("the server's default permissions");
        }
        else
        {
            html.Append("<ul>");
            foreach (var scope in scopes)
            {
                html.Append("<li><code>").Append(Html(scope)).Append("</code></li>");
            }

            html.Append("</ul>");
        }

        html.Append("</dd><dt>You sign in at</dt><dd><code>").Append(Html(providerIssuer)).Append("</code></dd></dl>")
            .Append("<form method=\"post\" action=\"").Append(FrontEndpoints.ConsentPath).Append("\">")
            .Append("<input type=\"hidden\" name=\"txn\" value=\"").Append(Html(transaction)).Append("\">")
            .Append("<input type=\"hidden\" name=\"csrf\" value=\"").Append(Html(csrfToken)).Append("\">")
            .Append("<div class=\"actions\"><button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>")
            .Append("<button type=\"submit\" name=\"decision\" value=\"allow\" class=\"allow\">Allow</button></div></form>");
        return html.ToString();
    }
}
