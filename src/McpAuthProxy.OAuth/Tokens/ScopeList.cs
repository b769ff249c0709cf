namespace McpAuthProxy.OAuth.Tokens;

/// <summary>Space-separated scope strings (RFC 6749 §3.3).</summary>
public static class ScopeList
{
    public static IReadOnlyList<string> Parse(string? scopes) =>
        string.IsNullOrWhiteSpace(scopes) ? [] : scopes.Split(' ', '\t', '\n', '\r').Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToArray();

    public static string Join(IEnumerable<string> scopes) => string.Join(' ', scopes.Distinct(StringComparer.Ordinal));

    /// <summary>The scopes with <c>openid</c> first, as authful-mcp-proxy always sends it.</summary>
    public static IReadOnlyList<string> WithOpenIdFirst(IEnumerable<string> scopes) =>
        ["openid", .. scopes.Where(s => !string.Equals(s, "openid", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal)];

    public static IReadOnlyList<string> Union(IEnumerable<string> a, IEnumerable<string> b) => a.Concat(b).Distinct(StringComparer.Ordinal).ToArray();
}
