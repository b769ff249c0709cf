using System.Net;
using System.Text.RegularExpressions;

namespace McpAuthProxy.DevIdentity.Tests.Support;

/// <summary>The first form of a page: its action and hidden inputs, as a plain HTTP client sees them.</summary>
internal sealed partial record HtmlForm(string Method, string Action, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    public static HtmlForm Parse(string html)
    {
        var form = FormTag().Match(html);
        Assert.True(form.Success, "no <form> in page: " + html);
        var method = Attribute(form.Value, "method") ?? "get";
        var action = Attribute(form.Value, "action") ?? string.Empty;
        var end = html.IndexOf("</form>", form.Index, StringComparison.Ordinal);
        var fields = new List<KeyValuePair<string, string>>();
        foreach (Match input in InputTag().Matches(html[form.Index..end]))
        {
            if (string.Equals(Attribute(input.Value, "type"), "hidden", StringComparison.Ordinal) && Attribute(input.Value, "name") is { } name)
            {
                fields.Add(new(name, Attribute(input.Value, "value") ?? string.Empty));
            }
        }

        return new HtmlForm(method, action, fields);
    }

    public FormUrlEncodedContent With(params (string Name, string Value)[] extra) =>
        new([.. Fields, .. extra.Select(e => new KeyValuePair<string, string>(e.Name, e.Value))]);

    private static string? Attribute(string tag, string name)
    {
        var match = Regex.Match(tag, "\\b" + name + "=\"([^\"]*)\"");
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;
    }

    [GeneratedRegex("<form\\b[^>]*>")]
    private static partial Regex FormTag();

    [GeneratedRegex("<input\\b[^>]*>")]
    private static partial Regex InputTag();
}
