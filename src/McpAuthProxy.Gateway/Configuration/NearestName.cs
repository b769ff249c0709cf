namespace McpAuthProxy.Gateway.Configuration;

/// <summary>
/// "Did you mean": the known name closest to a misspelled one (a config key, a flag, a command). Close means at most two
/// edits, a swap of two neighbouring letters counting as one (optimal string alignment), or the start of one name only.
/// </summary>
public static class NearestName
{
    /// <summary>The closest of <paramref name="known"/> to <paramref name="given"/>, or null when none is close.</summary>
    public static string? Find(string given, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var prefixed = new List<string>();
        foreach (var name in known)
        {
            if (string.Equals(name, given, StringComparison.Ordinal))
            {
                return name;
            }

            var distance = Distance(given.ToLowerInvariant(), name.ToLowerInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (name, distance);
            }

            if (given.Length >= 3 && name.StartsWith(given, StringComparison.OrdinalIgnoreCase))
            {
                prefixed.Add(name);
            }
        }

        // Two edits is the limit, and fewer for short names: "-x" is not a misspelling of "-h".
        var limit = Math.Min(2, Math.Max(0, (given.TrimStart('-').Length - 1) / 2));
        if (best is not null && bestDistance <= limit)
        {
            return best;
        }

        return prefixed.Count == 1 ? prefixed[0] : null;
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
