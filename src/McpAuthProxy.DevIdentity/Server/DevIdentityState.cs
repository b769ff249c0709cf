using System.Collections.Concurrent;

namespace McpAuthProxy.DevIdentity.Server;

/// <summary>What the endpoints share: the user, the registered clients, the browser sessions and the issuer once bound.</summary>
internal sealed class DevIdentityState(DevIdentityOptions options, DevIdentityUser user, IReadOnlyList<string> scopes)
{
    private readonly ConcurrentDictionary<string, DevIdentityClient> _clients = new(StringComparer.Ordinal);

    public DevIdentityOptions Options { get; } = options;

    public DevIdentityUser User { get; } = user;

    public IReadOnlyList<string> Scopes { get; } = scopes;

    public DevSessions Sessions { get; } = new();

    public Uri? Issuer { get; set; }

    public IReadOnlyList<DevIdentityClient> Clients => [.. _clients.Values.OrderBy(c => c.ClientId, StringComparer.Ordinal)];

    public void Remember(DevIdentityClient client) => _clients[client.ClientId] = client;

    public DevIdentityUser? FindUser(string? userName, string? password) =>
        string.Equals(userName, User.UserName, StringComparison.Ordinal) && string.Equals(password, User.Password, StringComparison.Ordinal) ? User : null;

    public DevIdentityUser? FindBySubject(string? subject) => string.Equals(subject, User.Subject, StringComparison.Ordinal) ? User : null;
}
