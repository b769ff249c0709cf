namespace McpAuthProxy.OAuth.Discovery;

/// <summary>The parameters of a <c>WWW-Authenticate: Bearer ...</c> challenge (RFC 6750 §3, RFC 9728 §5.1).</summary>
public sealed record BearerChallenge
{
    public string? Error { get; init; }
    public string? ErrorDescription { get; init; }
    public string? Scope { get; init; }
    public string? ResourceMetadata { get; init; }

    /// <summary>The Bearer challenge among <paramref name="headerValues"/>, or null when there is none.</summary>
    public static BearerChallenge? Parse(IEnumerable<string> headerValues)
    {
        foreach (var value in headerValues)
        {
            var text = value.AsSpan().Trim();
            if (!text.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) || (text.Length > 6 && !char.IsWhiteSpace(text[6])))
            {
                continue;
            }

            var parameters = ParseParameters(text[6..].ToString());
            return new BearerChallenge
            {
                Error = parameters.GetValueOrDefault("error"),
                ErrorDescription = parameters.GetValueOrDefault("error_description"),
                Scope = parameters.GetValueOrDefault("scope"),
                ResourceMetadata = parameters.GetValueOrDefault("resource_metadata"),
            };
        }

        return null;
    }

    private static Dictionary<string, string> ParseParameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i]) || text[i] == ','))
            {
                i++;
            }

            var nameStart = i;
            while (i < text.Length && text[i] != '=' && text[i] != ',' && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var name = text[nameStart..i];
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length || text[i] != '=')
            {
                continue;
            }

            i++;
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            string value;
            if (i < text.Length && text[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    sb.Append(text[i++]);
                }

                i++;
                value = sb.ToString();
            }
            else
            {
                var valueStart = i;
                while (i < text.Length && text[i] != ',')
                {
                    i++;
                }

                value = text[valueStart..i].Trim();
            }

            if (name.Length > 0)
            {
                result[name] = value;
            }
        }

        return result;
    }
}
