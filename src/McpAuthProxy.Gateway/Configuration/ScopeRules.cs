namespace McpAuthProxy.Gateway.Configuration;

/// <summary>
/// open-mcp-auth-proxy's <c>scopes_supported</c> map: per JSON-RPC method either the scopes the method needs, or per
/// <c>params.name</c> (tool or prompt) the scopes that name needs. A method or name that is not listed needs no scope.
/// </summary>
public sealed class ScopeRules
{
    public static readonly ScopeRules Empty = new(new Dictionary<string, MethodScopeRule>(StringComparer.Ordinal));

    public ScopeRules(IReadOnlyDictionary<string, MethodScopeRule> methods) => Methods = methods;

    public IReadOnlyDictionary<string, MethodScopeRule> Methods { get; }

    /// <summary>Every scope named anywhere in the map, in order of first appearance, without duplicates.</summary>
    public IReadOnlyList<string> AllScopes()
    {
        var seen = new List<string>();
        foreach (var rule in Methods.Values)
        {
            foreach (var scope in rule.MethodScopes)
            {
                if (!seen.Contains(scope))
                {
                    seen.Add(scope);
                }
            }

            foreach (var scopes in rule.NameScopes.Values)
            {
                foreach (var scope in scopes)
                {
                    if (!seen.Contains(scope))
                    {
                        seen.Add(scope);
                    }
                }
            }
        }

        return seen;
    }
}

/// <summary>The scopes one method needs: on the method itself, and per <c>params.name</c>/<c>params.uri</c>.</summary>
public sealed record MethodScopeRule(IReadOnlyList<string> MethodScopes, IReadOnlyDictionary<string, IReadOnlyList<string>> NameScopes);
