using System.Collections.Immutable;
using System.Text.Json;
using OpenIddict.Abstractions;

namespace McpAuthProxy.DevIdentity.Stores;

/// <summary>Token entries in memory: what makes refresh token rotation, reuse detection, revocation and the device flow work.</summary>
internal sealed class InMemoryTokenStore(InMemoryCollection<DevToken> items, TimeProvider clock) : IOpenIddictTokenStore<DevToken>
{
    public ValueTask<long> CountAsync(CancellationToken cancellationToken) => new(items.Count);

    public ValueTask<long> CountAsync<TResult>(Func<IQueryable<DevToken>, IQueryable<TResult>> query, CancellationToken cancellationToken) =>
        throw InMemoryCollection<DevToken>.QueriesNotSupported();

    public ValueTask CreateAsync(DevToken token, CancellationToken cancellationToken)
    {
        items.Add(token.Id, token);
        return default;
    }

    public ValueTask DeleteAsync(DevToken token, CancellationToken cancellationToken)
    {
        items.Remove(token.Id);
        return default;
    }

    public IAsyncEnumerable<DevToken> FindAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) =>
        InMemoryCollection<DevToken>.ToAsync(items.Where(t => Matches(t, subject, client, status, type)), cancellationToken);

    public IAsyncEnumerable<DevToken> FindByApplicationIdAsync(string identifier, CancellationToken cancellationToken) =>
        InMemoryCollection<DevToken>.ToAsync(items.Where(t => string.Equals(t.ApplicationId, identifier, StringComparison.Ordinal)), cancellationToken);

    public IAsyncEnumerable<DevToken> FindByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken) =>
        InMemoryCollection<DevToken>.ToAsync(items.Where(t => string.Equals(t.AuthorizationId, identifier, StringComparison.Ordinal)), cancellationToken);

    public ValueTask<DevToken?> FindByIdAsync(string identifier, CancellationToken cancellationToken) => new(items.Find(identifier));

    public ValueTask<DevToken?> FindByReferenceIdAsync(string identifier, CancellationToken cancellationToken) =>
        new(items.FirstOrDefault(t => string.Equals(t.ReferenceId, identifier, StringComparison.Ordinal)));

    public IAsyncEnumerable<DevToken> FindBySubjectAsync(string subject, CancellationToken cancellationToken) =>
        InMemoryCollection<DevToken>.ToAsync(items.Where(t => string.Equals(t.Subject, subject, StringComparison.Ordinal)), cancellationToken);

    public ValueTask<string?> GetApplicationIdAsync(DevToken token, CancellationToken cancellationToken) => new(token.ApplicationId);

    public ValueTask<TResult?> GetAsync<TState, TResult>(Func<IQueryable<DevToken>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw InMemoryCollection<DevToken>.QueriesNotSupported();

    public ValueTask<string?> GetAuthorizationIdAsync(DevToken token, CancellationToken cancellationToken) => new(token.AuthorizationId);

    public ValueTask<DateTimeOffset?> GetCreationDateAsync(DevToken token, CancellationToken cancellationToken) => new(token.CreationDate);

    public ValueTask<DateTimeOffset?> GetExpirationDateAsync(DevToken token, CancellationToken cancellationToken) => new(token.ExpirationDate);

    public ValueTask<string?> GetIdAsync(DevToken token, CancellationToken cancellationToken) => new(token.Id);

    public ValueTask<string?> GetPayloadAsync(DevToken token, CancellationToken cancellationToken) => new(token.Payload);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(DevToken token, CancellationToken cancellationToken) => new(token.Properties);

    public ValueTask<DateTimeOffset?> GetRedemptionDateAsync(DevToken token, CancellationToken cancellationToken) => new(token.RedemptionDate);

    public ValueTask<string?> GetReferenceIdAsync(DevToken token, CancellationToken cancellationToken) => new(token.ReferenceId);

    public ValueTask<string?> GetStatusAsync(DevToken token, CancellationToken cancellationToken) => new(token.Status);

    public ValueTask<string?> GetSubjectAsync(DevToken token, CancellationToken cancellationToken) => new(token.Subject);

    public ValueTask<string?> GetTypeAsync(DevToken token, CancellationToken cancellationToken) => new(token.Type);

    public ValueTask<DevToken> InstantiateAsync(CancellationToken cancellationToken) => new(new DevToken());

    public IAsyncEnumerable<DevToken> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        InMemoryCollection<DevToken>.ToAsync(items.Page(count, offset), cancellationToken);

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(Func<IQueryable<DevToken>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken) =>
        throw InMemoryCollection<DevToken>.QueriesNotSupported();

    public ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        long removed = 0;
        foreach (var token in items.Where(t => t.CreationDate < threshold &&
            (!string.Equals(t.Status, OpenIddictConstants.Statuses.Valid, StringComparison.Ordinal) || t.ExpirationDate < now)).ToArray())
        {
            items.Remove(token.Id);
            removed++;
        }

        return new(removed);
    }

    public ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) =>
        new(Revoke(items.Where(t => Matches(t, subject, client, status, type))));

    public ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken) =>
        new(Revoke(items.Where(t => string.Equals(t.ApplicationId, identifier, StringComparison.Ordinal))));

    public ValueTask<long> RevokeByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken) =>
        new(Revoke(items.Where(t => string.Equals(t.AuthorizationId, identifier, StringComparison.Ordinal))));

    public ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken) =>
        new(Revoke(items.Where(t => string.Equals(t.Subject, subject, StringComparison.Ordinal))));

    public ValueTask SetApplicationIdAsync(DevToken token, string? identifier, CancellationToken cancellationToken) => Set(() => token.ApplicationId = identifier);

    public ValueTask SetAuthorizationIdAsync(DevToken token, string? identifier, CancellationToken cancellationToken) => Set(() => token.AuthorizationId = identifier);

    public ValueTask SetCreationDateAsync(DevToken token, DateTimeOffset? date, CancellationToken cancellationToken) => Set(() => token.CreationDate = date);

    public ValueTask SetExpirationDateAsync(DevToken token, DateTimeOffset? date, CancellationToken cancellationToken) => Set(() => token.ExpirationDate = date);

    public ValueTask SetPayloadAsync(DevToken token, string? payload, CancellationToken cancellationToken) => Set(() => token.Payload = payload);

    public ValueTask SetPropertiesAsync(DevToken token, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) => Set(() => token.Properties = properties);

    public ValueTask SetRedemptionDateAsync(DevToken token, DateTimeOffset? date, CancellationToken cancellationToken) => Set(() => token.RedemptionDate = date);

    public ValueTask SetReferenceIdAsync(DevToken token, string? identifier, CancellationToken cancellationToken) => Set(() => token.ReferenceId = identifier);

    public ValueTask SetStatusAsync(DevToken token, string? status, CancellationToken cancellationToken) => Set(() => token.Status = status);

    public ValueTask SetSubjectAsync(DevToken token, string? subject, CancellationToken cancellationToken) => Set(() => token.Subject = subject);

    public ValueTask SetTypeAsync(DevToken token, string? type, CancellationToken cancellationToken) => Set(() => token.Type = type);

    public ValueTask UpdateAsync(DevToken token, CancellationToken cancellationToken)
    {
        items.Add(token.Id, token);
        return default;
    }

    private static bool Matches(DevToken t, string? subject, string? client, string? status, string? type) =>
        (subject is null || string.Equals(t.Subject, subject, StringComparison.Ordinal)) &&
        (client is null || string.Equals(t.ApplicationId, client, StringComparison.Ordinal)) &&
        (status is null || string.Equals(t.Status, status, StringComparison.Ordinal)) &&
        (type is null || string.Equals(t.Type, type, StringComparison.Ordinal));

    private static long Revoke(IEnumerable<DevToken> matches)
    {
        long revoked = 0;
        foreach (var token in matches.ToArray())
        {
            token.Status = OpenIddictConstants.Statuses.Revoked;
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
