using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using OpenIddict.Abstractions;

namespace McpAuthProxy.DevIdentity.Stores;

/// <summary>Scopes in memory. The server registers its scopes in options; this store stays mostly empty.</summary>
internal sealed class InMemoryScopeStore(InMemoryCollection<DevScope> items) : IOpenIddictScopeStore<DevScope>
{
    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => new(items.Count);

    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<DevScope>, IQueryable<TResult>> query, CancellationToken cancellationToken) =>
        throw InMemoryCollection<DevScope>.QueriesNotSupported();

    public ValueTask CreateAsync(DevScope scope, CancellationToken cancellationToken)
    {
        items.Add(scope.Id, scope);
        return default;
    }

    public ValueTask DeleteAsync(DevScope scope, CancellationToken cancellationToken)
    {
        items.Remove(scope.Id);
        return default;
    }

    public ValueTask<DevScope?> FindByIdAsync(string identifier, CancellationToken cancellationToken) => new(items.Find(identifier));

    public ValueTask<DevScope?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        new(items.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal)));

    public IAsyncEnumerable<DevScope> FindByNamesAsync(ImmutableArray<string> names, CancellationToken cancellationToken) =>
        InMemoryCollection<DevScope>.ToAsync(items.Where(s => s.Name is not null && names.Contains(s.Name, StringComparer.Ordinal)), cancellationToken);

    public IAsyncEnumerable<DevScope> FindByResourceAsync(string resource, CancellationToken cancellationToken) =>
        InMemoryCollection<DevScope>.ToAsync(items.Where(s => s.Resources.Contains(resource, StringComparer.Ordinal)), cancellationToken);

    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<DevScope>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw InMemoryCollection<DevScope>.QueriesNotSupported();

    public ValueTask<string?> GetDescriptionAsync(DevScope scope, CancellationToken cancellationToken) => new(scope.Description);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDescriptionsAsync(DevScope scope, CancellationToken cancellationToken) => new(scope.Descriptions);

    public ValueTask<string?> GetDisplayNameAsync(DevScope scope, CancellationToken cancellationToken) => new(scope.DisplayName);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDisplayNamesAsync(DevScope scope, CancellationToken cancellationToken) => new(scope.DisplayNames);

    public ValueTask<string?> GetIdAsync(DevScope scope, CancellationToken cancellationToken) => new(scope.Id);

    public ValueTask<string?> GetNameAsync(DevScope scope, CancellationToken cancellationToken) => new(scope.Name);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(DevScope scope, CancellationToken cancellationToken) => new(scope.Properties);

    public ValueTask<ImmutableArray<string>> GetResourcesAsync(DevScope scope, CancellationToken cancellationToken) => new(scope.Resources);

    public ValueTask<DevScope> InstantiateAsync(CancellationToken cancellationToken) => new(new DevScope());

    public IAsyncEnumerable<DevScope> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        InMemoryCollection<DevScope>.ToAsync(items.Page(count, offset), cancellationToken);

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<DevScope>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw InMemoryCollection<DevScope>.QueriesNotSupported();

    public ValueTask SetDescriptionAsync(DevScope scope, string? description, CancellationToken cancellationToken) => Set(() => scope.Description = description);

    public ValueTask SetDescriptionsAsync(DevScope scope, ImmutableDictionary<CultureInfo, string> descriptions, CancellationToken cancellationToken) => Set(() => scope.Descriptions = descriptions);

    public ValueTask SetDisplayNameAsync(DevScope scope, string? name, CancellationToken cancellationToken) => Set(() => scope.DisplayName = name);

    public ValueTask SetDisplayNamesAsync(DevScope scope, ImmutableDictionary<CultureInfo, string> names, CancellationToken cancellationToken) => Set(() => scope.DisplayNames = names);

    public ValueTask SetNameAsync(DevScope scope, string? name, CancellationToken cancellationToken) => Set(() => scope.Name = name);

    public ValueTask SetPropertiesAsync(DevScope scope, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) => Set(() => scope.Properties = properties);

    public ValueTask SetResourcesAsync(DevScope scope, ImmutableArray<string> resources, CancellationToken cancellationToken) => Set(() => scope.Resources = resources);

    public ValueTask UpdateAsync(DevScope scope, CancellationToken cancellationToken)
    {
        items.Add(scope.Id, scope);
        return default;
    }

    private static ValueTask Set(Action assign)
    {
        assign();
        return default;
    }
}
