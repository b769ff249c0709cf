using McpAuthProxy.OAuth.Registration;

namespace McpAuthProxy.OAuth.Tokens;

/// <summary>
/// Where tokens and dynamically registered clients are kept, keyed by the issuer (a configured issuer) or the MCP server
/// URL (discovery mode). <see cref="FileTokenStore"/> is the one today; an OS credential store (Keychain, Credential
/// Manager, Secret Service) implements the same members, keeping <see cref="LockAsync"/> on a file beside it.
/// </summary>
public interface ITokenStore
{
    /// <summary>Where the store keeps things, for messages (a folder, or the name of a keychain).</summary>
    string Location { get; }

    CachedToken? Read(string key);

    void Write(string key, CachedToken token);

    /// <summary>Forgets the token; returns whether there was one.</summary>
    bool Delete(string key);

    /// <summary>A dynamically registered client, kept per issuer and never offered to another one.</summary>
    ClientRegistration? ReadClient(string issuer);

    void WriteClient(string issuer, ClientRegistration client);

    /// <summary>Every token kept, with where it is (for <c>status</c>); an unreadable entry comes with a null token.</summary>
    IEnumerable<(string Path, CachedToken? Token)> ReadAll();

    /// <summary>Where the token for <paramref name="key"/> is (a file path), for messages.</summary>
    string Describe(string key);

    /// <summary>
    /// The cross-process lock for <paramref name="key"/>: hold it across read, refresh or sign-in, and write, so that
    /// several bridges for one server refresh once and never spend a rotating refresh token twice.
    /// </summary>
    Task<IDisposable> LockAsync(string key, CancellationToken cancellationToken);
}
