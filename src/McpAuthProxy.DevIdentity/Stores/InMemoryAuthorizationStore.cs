using System.Collections.Immutable;
using System.Text.Json;
using OpenIddict.Abstractions;

namespace McpAuthProxy.DevIdentity.Stores;

/// <summary>Authorizations in memory: OpenIddict creates one per grant and links its tokens to it.</summary>
internal sealed class InMemoryAuthorizationStore(InMemoryCollection<DevAuthorization> items) : IOpenIddictAuthorizationStore<DevAuthorization>
{
    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => new(items.Count);

    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<DevAuthorization>, IQueryable<TResult>> query, CancellationToken cancellationToken) =>
        throw InMemoryCollection<DevAuthorization>.QueriesNotSupported();

    public ValueTask CreateAsync(DevAuthorization authorization, CancellationToken cancellationToken)
    {
        items.Add(authorization.Id, authorization);
        return default;
    }

    public ValueTask DeleteAsync(DevAuthorization authorization, CancellationToken cancellationToken)
    {
        items.Remove(authorization.Id);
        return default;
    }

    public IAsyncEnumerable<DevAuthorization> FindAsync(string? subject, string? client, string? status, string? type, ImmutableArray<string>? scopes, CancellationToken cancellationToken) =>
        InMemoryCollection<DevAuthorization>.ToAsync(items.Where(a => Matches(a, subject, client, status, type) &&
            (scopes is not { } wanted || wanted.All(s => a.Scopes.Contains(s, StringComparer.Ordinal)))), cancellationToken);

    public IAsyncEnumerable<DevAuthorization> FindByApplicationIdAsync(string identifier, CancellationToken cancellationToken) =>
        InMemoryCollection<DevAuthorization>.ToAsync(items.Where(a => string.Equals(a.ApplicationId, identifier, StringComparison.Ordinal)), cancellationToken);

    public ValueTask<DevAuthorization?> FindByIdAsync(string identifier, CancellationToken cancellationToken) => new(items.Find(identifier));

    public IAsyncEnumerable<DevAuthorization> FindBySubjectAsync(string subject, CancellationToken cancellationToken) =>
        InMemoryCollection<DevAuthorization>.ToAsync(items.Where(a => string.Equals(a.Subject, subject, StringComparison.Ordinal)), cancellationToken);

    public ValueTask<string?> GetApplicationIdAsync(DevAuthorization authorization, CancellationToken cancellationToken) => new(authorization.ApplicationId);

    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<DevAuthorization>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw InMemoryCollection<DevAuthorization>.QueriesNotSupported();

    public ValueTask<DateTimeOffset?> GetCreationDateAsync(DevAuthorization authorization, CancellationToken cancellationToken) => new(authorization.CreationDate);

    public ValueTask<string?> GetIdAsync(DevAuthorization authorization, CancellationToken cancellationToken) => new(authorization.Id);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(DevAuthorization authorization, CancellationToken cancellationToken) => new(authorization.Properties);

    public ValueTask<ImmutableArray<string>> GetScopesAsync(DevAuthorization authorization, CancellationToken cancellationToken) => new(authorization.Scopes);

    public ValueTask<string?> GetStatusAsync(DevAuthorization authorization, CancellationToken cancellationToken) => new(authorization.Status);

    public ValueTask<string?> GetSubjectAsync(DevAuthorization authorization, CancellationToken cancellationToken) => new(authorization.Subject);

    public ValueTask<string?> GetTypeAsync(DevAuthorization authorization, CancellationToken cancellationToken) => new(authorization.Type);

    public ValueTask<DevAuthorization> InstantiateAsync(CancellationToken cancellationToken) => new(new DevAuthorization());

    public IAsyncEnumerable<DevAuthorization> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        InMemoryCollection<DevAuthorization>.ToAsync(items.Page(count, offset), cancellationToken);

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<DevAuthorization>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw InMemoryCollection<DevAuthorization>.QueriesNotSupported();

    public ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken)
    {
        long removed = 0;
        foreach (var authorization in items.Where(a => a.CreationDate < threshold &&
            !string.Equals(a.Status, OpenIddictConstants.Statuses.Valid, StringComparison.Ordinal)).ToArray())
        {
            items.Remove(authorization.Id);
            removed++;
        }

        return new(removed);
    }

    public ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) =>
        new(Revoke(items.Where(a => Matches(a, subject, client, status, type))));

    public ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken) =>
        new(Revoke(items.Where(a => string.Equals(a.ApplicationId, identifier, StringComparison.Ordinal))));

    public ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken) =>
        new(Revoke(items.Where(a => string.Equals(a.Subject, subject, StringComparison.Ordinal))));

    public ValueTask SetApplicationIdAsync(DevAuthorization authorization, string? identifier, CancellationToken cancellationToken) => Set(() => authorization.ApplicationId = identifier);

    public ValueTask SetCreationDateAsync(DevAuthorization authorization, DateTimeOffset? date, CancellationToken cancellationToken) => Set(() => authorization.CreationDate = date);

    public ValueTask SetPropertiesAsync(DevAuthorization authorization, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) => Set(() => authorization.Properties = properties);

    public ValueTask SetScopesAsync(DevAuthorization authorization, ImmutableArray<string> scopes, CancellationToken cancellationToken) => Set(() => authorization.Scopes = scopes);

    public ValueTask SetStatusAsync(DevAuthorization authorization, string? status, CancellationToken cancellationToken) => Set(() => authorization.Status = status);

    public ValueTask SetSubjectAsync(DevAuthorization authorization, string? subject, CancellationToken cancellationToken) => Set(() => authorization.Subject = subject);

    public ValueTask SetTypeAsync(DevAuthorization authorization, string? type, CancellationToken cancellationToken) => Set(() => authorization.Type = type);

    public ValueTask UpdateAsync(DevAuthorization authorization, CancellationToken cancellationToken)
    {
        items.Add(authorization.Id, authorization);
        return default;
    }

    private static bool Matches(DevAuthorization a, string? subject, string? client, string? status, string? type) =>
        (subject is null || string.Equals(a.Subject, subject, StringComparison.Ordinal)) &&
        (client is null || string.Equals(a.ApplicationId, client, StringComparison.Ordinal)) &&
        (status is null || string.Equals(a.Status, status, StringComparison.Ordinal)) &&
        (type is null || string.Equals(a.Type, type, StringComparison.Ordinal));

    private static long Revoke(IEnumerable<DevAuthorization> matches)
    {
        long revoked = 0;
        foreach (var authorization in matches.ToArray())
        {
            authorization.Status = OpenIddictConstants.Statuses.Revoked;
            revoked++;
        }

        return revoked;
    }

    private static ValueTask Set(Action assign)
    {
        assign();
        return default;
    }
}
