using System.Security.Claims;
using System.Text.Json;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.Gateway.Transport;

namespace McpAuthProxy.Gateway.Authorization;

/// <summary>
/// open-mcp-auth-proxy's scope map, enforced: each message needs every scope listed for its method and for its
/// <c>params.name</c> (tool or prompt) or <c>params.uri</c>; unlisted methods and names need none; batches are checked
/// message by message and the caller must hold the union.
/// </summary>
internal sealed class ScopePolicy(ScopeRules rules, IReadOnlyDictionary<string, IReadOnlyList<string>>? hierarchy = null)
{
    /// <summary>The caller's scopes (<see cref="Granted"/>) plus every scope they imply through <c>scope_hierarchy</c>.</summary>
    public HashSet<string> Effective(ClaimsPrincipal user)
    {
        var scopes = Granted(user);
        if (hierarchy is null || hierarchy.Count == 0)
        {
            return scopes;
        }

        var pending = new Queue<string>(scopes);
        while (pending.TryDequeue(out var scope))
        {
            if (hierarchy.TryGetValue(scope, out var implied))
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

    public ScopeRules Rules => rules;

    public IReadOnlyList<string> RequiredFor(string? method, string? name)
    {
        if (method is null || !rules.Methods.TryGetValue(method, out var rule))
        {
            return [];
        }

        if (name is null || !rule.NameScopes.TryGetValue(name, out var nameScopes))
        {
            return rule.MethodScopes;
        }

        return rule.MethodScopes.Count == 0 ? nameScopes : rule.MethodScopes.Concat(nameScopes).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The scopes the whole body needs that the caller lacks (empty when it may go through).</summary>
    public IReadOnlyList<string> Missing(JsonRpcBody body, IReadOnlySet<string> granted)
    {
        var missing = new List<string>();
        foreach (var message in body.Messages)
        {
            foreach (var scope in RequiredFor(message.Method, message.Name))
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
        body.Messages.SelectMany(m => RequiredFor(m.Method, m.Name)).Distinct(StringComparer.Ordinal).ToList();

    public bool MayCallTool(string tool, IReadOnlySet<string> granted) => RequiredFor("tools/call", tool).All(granted.Contains);

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
