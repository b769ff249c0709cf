using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace McpAuthProxy.DevIdentity.Stores;

/// <summary>The entities of one kind, by id. Stores share one instance per server (singleton).</summary>
internal sealed class InMemoryCollection<T>
    where T : class
{
    private readonly ConcurrentDictionary<string, T> _items = new(StringComparer.Ordinal);

    public int Count => _items.Count;

    public void Add(string id, T item) => _items[id] = item;

    public void Remove(string id) => _items.TryRemove(id, out _);

    public T? Find(string id) => _items.TryGetValue(id, out var item) ? item : null;

    public IEnumerable<T> Where(Func<T, bool> predicate) => _items.Values.Where(predicate);

    public T? FirstOrDefault(Func<T, bool> predicate) => _items.Values.FirstOrDefault(predicate);

    public IEnumerable<T> Page(int? count, int? offset)
    {
        IEnumerable<T> all = _items.Values;
        if (offset is { } skip)
        {
            all = all.Skip(skip);
        }

        return count is { } take ? all.Take(take) : all;
    }

    public static async IAsyncEnumerable<T> ToAsync(IEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var item in items.ToArray())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public static NotSupportedException QueriesNotSupported() =>
        new("The in-memory development stores do not support IQueryable queries; use the Find* methods.");
}
