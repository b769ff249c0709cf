using System.Security.Claims;
using System.Text.Json;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Transport;

namespace McpAuthProxy.Gateway.Authorization;

/// <summary>
/// open-mcp-auth-proxy's scope map, enforced: each message needs every scope listed for its method and for its
/// <c>params.name</c> (tool or prompt) or <c>params.uri</c>; unlisted methods and names need none; batches are checked
/// message by message and the caller must hold the union. Methods and names are matched ignoring case, resource URIs by
/// <see cref="ResourceUri.MatchKey"/>: a rule covers every spelling a server may take for the same thing.
/// </summary>
internal sealed class ScopePolicy
{
    private readonly ScopeRules _rules;
    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>>? _hierarchy;
    private readonly Dictionary<string, CompiledRule> _methods = new(StringComparer.OrdinalIgnoreCase);

    private sealed record CompiledRule(List<string> MethodScopes, Dictionary<string, List<string>> NameScopes);

    public ScopePolicy(ScopeRules rules, IReadOnlyDictionary<string, IReadOnlyList<string>>? hierarchy = null, bool hideUnauthorized = true)
    {
        _rules = rules;
        _hierarchy = hierarchy;
        HideUnauthorized = hideUnauthorized;
        foreach (var (method, rule) in rules.Methods)
        {
            if (!_methods.TryGetValue(method, out var compiled))
            {
                _methods[method] = compiled = new CompiledRule([], new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase));
            }

            Merge(compiled.MethodScopes, rule.MethodScopes);
            foreach (var (name, scopes) in rule.NameScopes)
            {
                var key = JsonRpcBody.IsResourceMethod(method) ? ResourceUri.MatchKey(name) : name;
                if (!compiled.NameScopes.TryGetValue(key, out var list))
                {
                    compiled.NameScopes[key] = list = [];
                }

                Merge(list, scopes);
            }
        }
    }

    /// <summary><c>hide_unauthorized</c>: list answers leave out the tools, prompts and resources the caller may not use.</summary>
    public bool HideUnauthorized { get; }

    /// <summary>True when some list answer may lose an entry: hiding is on and a tool, prompt or resource has a rule.</summary>
    public bool FiltersLists => HideUnauthorized && (_methods.ContainsKey("tools/call") || _methods.ContainsKey("prompts/get") || _methods.ContainsKey("resources/read"));

    /// <summary>The caller's scopes (<see cref="Granted"/>) plus every scope they imply through <c>scope_hierarchy</c>.</summary>
    public HashSet<string> Effective(ClaimsPrincipal user)
    {
        var scopes = Granted(user);
        if (_hierarchy is null || _hierarchy.Count == 0)
        {
            return scopes;
        }

        var pending = new Queue<string>(scopes);
        while (pending.TryDequeue(out var scope))
        {
            if (_hierarchy.TryGetValue(scope, out var implied))
            {
                foreach (var next in implied)
                {
                    if (scopes.Add(next))
                    {
                        pending.Enqueue(next);
                    }
                }
            }
        }

        return scopes;
    }

    public ScopeRules Rules => _rules;

    /// <summary>The scopes a method needs for a name (tool, prompt) or resource URI; the method's own scopes alone for other names.</summary>
    public IReadOnlyList<string> RequiredFor(string? method, string? name)
    {
        if (method is null || !_methods.TryGetValue(method, out var rule))
        {
            return [];
        }

        var key = name is null ? null : JsonRpcBody.IsResourceMethod(method) ? ResourceUri.MatchKey(name) : name;
        if (key is null || !rule.NameScopes.TryGetValue(key, out var nameScopes))
        {
            return rule.MethodScopes;
        }

        return rule.MethodScopes.Count == 0 ? nameScopes : rule.MethodScopes.Concat(nameScopes).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every scope one message needs: its method and key, and the key it relates to.</summary>
    public IEnumerable<string> RequiredFor(JsonRpcEnvelope message) =>
        message.Related is { } related
            ? RequiredFor(message.Method, message.Name).Concat(RequiredFor(related.Method, related.Name))
            : RequiredFor(message.Method, message.Name);

    /// <summary>The scopes the whole body needs that the caller lacks (empty when it may go through).</summary>
    public IReadOnlyList<string> Missing(JsonRpcBody body, IReadOnlySet<string> granted)
    {
        var missing = new List<string>();
        foreach (var message in body.Messages)
        {
            foreach (var scope in RequiredFor(message))
            {
                if (!granted.Contains(scope) && !missing.Contains(scope))
                {
                    missing.Add(scope);
                }
            }
        }

        return missing;
    }

    /// <summary>Every scope the whole body needs: what a 403 challenge asks for.</summary>
    public IReadOnlyList<string> Required(JsonRpcBody body) =>
        body.Messages.SelectMany(RequiredFor).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>True when the caller may call <paramref name="tool"/>.</summary>
    public bool MayCallTool(string tool, IReadOnlySet<string> granted) => May("tools/call", tool, granted);

    /// <summary>True when the caller holds every scope <paramref name="method"/> needs for <paramref name="name"/>.</summary>
    public bool May(string method, string name, IReadOnlySet<string> granted)
    {
        foreach (var scope in RequiredFor(method, name))
        {
            if (!granted.Contains(scope))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when a resource template may expand to a URI the caller may not read: some <c>resources/read</c> rule the
    /// caller does not satisfy names a URI that starts with the template's text before its first expression.
    /// </summary>
    public bool TemplateReachesForbidden(string uriTemplate, IReadOnlySet<string> granted)
    {
        if (!_methods.TryGetValue("resources/read", out var rule))
        {
            return false;
        }

        var brace = uriTemplate.IndexOf('{', StringComparison.Ordinal);
        var prefix = ResourceUri.MatchKey(brace < 0 ? uriTemplate : uriTemplate[..brace]);
        foreach (var (key, scopes) in rule.NameScopes)
        {
            if ((brace < 0 ? key == prefix : key.StartsWith(prefix, StringComparison.Ordinal)) && !scopes.All(granted.Contains))
            {
                return true;
            }
        }

        return false;
    }

    private static void Merge(List<string> into, IEnumerable<string> scopes)
    {
        foreach (var scope in scopes)
        {
            if (!into.Contains(scope))
            {
                into.Add(scope);
            }
        }
    }

    /// <summary>The caller's scopes from <c>scope</c> and <c>scp</c>, each a space-separated string or a JSON array.</summary>
    public static HashSet<string> Granted(ClaimsPrincipal user)
    {
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in user.Claims)
        {
            if (claim.Type is not ("scope" or "scp"))
            {
                continue;
            }

            var value = claim.Value.Trim();
            if (value.StartsWith('['))
            {
                try
                {
                    using var document = JsonDocument.Parse(value);
                    foreach (var item in document.RootElement.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } s)
                        {
                            scopes.Add(s);
                        }
                    }

                    continue;
                }
                catch (JsonException)
                {
                }
            }

            foreach (var scope in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                scopes.Add(scope);
            }
        }

        return scopes;
    }
}
