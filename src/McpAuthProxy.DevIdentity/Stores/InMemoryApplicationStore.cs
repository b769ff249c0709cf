using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;

namespace McpAuthProxy.DevIdentity.Stores;

/// <summary>Applications (clients) in memory; every instance of a server shares one collection.</summary>
internal sealed class InMemoryApplicationStore(InMemoryCollection<DevApplication> items) : IOpenIddictApplicationStore<DevApplication>
{
    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => new(items.Count);

    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<DevApplication>, IQueryable<TResult>> query, CancellationToken cancellationToken) =>
        throw InMemoryCollection<DevApplication>.QueriesNotSupported();

    public ValueTask CreateAsync(DevApplication application, CancellationToken cancellationToken)
    {
        items.Add(application.Id, application);
        return default;
    }

    public ValueTask DeleteAsync(DevApplication application, CancellationToken cancellationToken)
    {
        items.Remove(application.Id);
        return default;
    }

    public ValueTask<DevApplication?> FindByIdAsync(string identifier, CancellationToken cancellationToken) => new(items.Find(identifier));

    public ValueTask<DevApplication?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken) =>
        new(items.FirstOrDefault(a => string.Equals(a.ClientId, identifier, StringComparison.Ordinal)));

    public IAsyncEnumerable<DevApplication> FindByPostLogoutRedirectUriAsync(string uri, CancellationToken cancellationToken) =>
        InMemoryCollection<DevApplication>.ToAsync(items.Where(a => a.PostLogoutRedirectUris.Contains(uri, StringComparer.Ordinal)), cancellationToken);

    public IAsyncEnumerable<DevApplication> FindByRedirectUriAsync(string uri, CancellationToken cancellationToken) =>
        InMemoryCollection<DevApplication>.ToAsync(items.Where(a => a.RedirectUris.Contains(uri, StringComparer.Ordinal)), cancellationToken);

    public ValueTask<string?> GetApplicationTypeAsync(DevApplication application, CancellationToken cancellationToken) => new(application.ApplicationType);

    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<DevApplication>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw InMemoryCollection<DevApplication>.QueriesNotSupported();

    public ValueTask<string?> GetClientIdAsync(DevApplication application, CancellationToken cancellationToken) => new(application.ClientId);

    public ValueTask<string?> GetClientSecretAsync(DevApplication application, CancellationToken cancellationToken) => new(application.ClientSecret);

    public ValueTask<string?> GetClientTypeAsync(DevApplication application, CancellationToken cancellationToken) => new(application.ClientType);

    public ValueTask<string?> GetConsentTypeAsync(DevApplication application, CancellationToken cancellationToken) => new(application.ConsentType);

    public ValueTask<string?> GetDisplayNameAsync(DevApplication application, CancellationToken cancellationToken) => new(application.DisplayName);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDisplayNamesAsync(DevApplication application, CancellationToken cancellationToken) => new(application.DisplayNames);

    public ValueTask<string?> GetIdAsync(DevApplication application, CancellationToken cancellationToken) => new(application.Id);

    public ValueTask<JsonWebKeySet?> GetJsonWebKeySetAsync(DevApplication application, CancellationToken cancellationToken) => new(application.JsonWebKeySet);

    public ValueTask<ImmutableArray<string>> GetPermissionsAsync(DevApplication application, CancellationToken cancellationToken) => new(application.Permissions);

    public ValueTask<ImmutableArray<string>> GetPostLogoutRedirectUrisAsync(DevApplication application, CancellationToken cancellationToken) => new(application.PostLogoutRedirectUris);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(DevApplication application, CancellationToken cancellationToken) => new(application.Properties);

    public ValueTask<ImmutableArray<string>> GetRedirectUrisAsync(DevApplication application, CancellationToken cancellationToken) => new(application.RedirectUris);

    public ValueTask<ImmutableArray<string>> GetRequirementsAsync(DevApplication application, CancellationToken cancellationToken) => new(application.Requirements);

    public ValueTask<ImmutableDictionary<string, string>> GetSettingsAsync(DevApplication application, CancellationToken cancellationToken) => new(application.Settings);

    public ValueTask<DevApplication> InstantiateAsync(CancellationToken cancellationToken) => new(new DevApplication());

    public IAsyncEnumerable<DevApplication> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        InMemoryCollection<DevApplication>.ToAsync(items.Page(count, offset), cancellationToken);

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<DevApplication>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw InMemoryCollection<DevApplication>.QueriesNotSupported();

    public ValueTask SetApplicationTypeAsync(DevApplication application, string? type, CancellationToken cancellationToken) => Set(() => application.ApplicationType = type);

    public ValueTask SetClientIdAsync(DevApplication application, string? identifier, CancellationToken cancellationToken) => Set(() => application.ClientId = identifier);

    public ValueTask SetClientSecretAsync(DevApplication application, string? secret, CancellationToken cancellationToken) => Set(() => application.ClientSecret = secret);

    public ValueTask SetClientTypeAsync(DevApplication application, string? type, CancellationToken cancellationToken) => Set(() => application.ClientType = type);

    public ValueTask SetConsentTypeAsync(DevApplication application, string? type, CancellationToken cancellationToken) => Set(() => application.ConsentType = type);

    public ValueTask SetDisplayNameAsync(DevApplication application, string? name, CancellationToken cancellationToken) => Set(() => application.DisplayName = name);

    public ValueTask SetDisplayNamesAsync(DevApplication application, ImmutableDictionary<CultureInfo, string> names, CancellationToken cancellationToken) => Set(() => application.DisplayNames = names);

    public ValueTask SetJsonWebKeySetAsync(DevApplication application, JsonWebKeySet? set, CancellationToken cancellationToken) => Set(() => application.JsonWebKeySet = set);

    public ValueTask SetPermissionsAsync(DevApplication application, ImmutableArray<string> permissions, CancellationToken cancellationToken) => Set(() => application.Permissions = permissions);

    public ValueTask SetPostLogoutRedirectUrisAsync(DevApplication application, ImmutableArray<string> uris, CancellationToken cancellationToken) => Set(() => application.PostLogoutRedirectUris = uris);

    public ValueTask SetPropertiesAsync(DevApplication application, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) => Set(() => application.Properties = properties);

    public ValueTask SetRedirectUrisAsync(DevApplication application, ImmutableArray<string> uris, CancellationToken cancellationToken) => Set(() => application.RedirectUris = uris);

    public ValueTask SetRequirementsAsync(DevApplication application, ImmutableArray<string> requirements, CancellationToken cancellationToken) => Set(() => application.Requirements = requirements);

    public ValueTask SetSettingsAsync(DevApplication application, ImmutableDictionary<string, string> settings, CancellationToken cancellationToken) => Set(() => application.Settings = settings);

    public ValueTask UpdateAsync(DevApplication application, CancellationToken cancellationToken)
    {
        items.Add(application.Id, application);
        return default;
    }

    private static ValueTask Set(Action assign)
    {
        assign();
        return default;
    }
}
