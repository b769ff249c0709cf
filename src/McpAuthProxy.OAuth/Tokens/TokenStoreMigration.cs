using McpAuthProxy.OAuth.Json;
using McpAuthProxy.OAuth.Secrets;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.OAuth.Tokens;

/// <summary>
/// Moves what the token files hold for one key (the token set, and a dynamically registered client with its secret)
/// into the OS credential store, once: each entry is written, read back and compared byte for byte, and only then is
/// its file removed. A failure leaves the file in place (and says why). Call it holding
/// <see cref="FileTokenStore.LockAsync"/> for the key, before the first read, so that no other process refreshes the
/// token in between.
/// </summary>
public sealed partial class TokenStoreMigration
{
    private readonly FileTokenStore _files;
    private readonly SecretTokenStore _secrets;
    private readonly ILogger _logger;

    public TokenStoreMigration(FileTokenStore files, SecretTokenStore secrets, ILogger<TokenStoreMigration> logger)
    {
        _files = files;
        _secrets = secrets;
        _logger = logger;
    }

    /// <summary>Migrates <paramref name="key"/>; returns whether a file was moved into the store.</summary>
    /// <exception cref="SecretStoreException">The store failed, or did not read back what was written; the files are kept.</exception>
    public async Task<bool> MigrateAsync(string key, CancellationToken cancellationToken)
    {
        var moved = false;
        if (_files.Read(key) is { } token)
        {
            var stored = await _secrets.ReadAsync(key, cancellationToken).ConfigureAwait(false);

            // A token the store got later (another process, after this file was written) is newer than the file's.
            if (stored is null || !(stored.ObtainedAt > token.ObtainedAt))
            {
                await _secrets.WriteAsync(key, token, cancellationToken).ConfigureAwait(false);
                var back = await _secrets.ReadAsync(key, cancellationToken).ConfigureAwait(false);
                Verify(key, "token", SecretTokenStore.Serialize(token, OAuthJsonContext.Default.CachedToken), back is null ? null : SecretTokenStore.Serialize(back, OAuthJsonContext.Default.CachedToken));
            }

            var path = _files.PathFor(key);
            _files.Delete(key);
            LogMigrated(path, _secrets.Store.DisplayName);
            moved = true;
        }

        if (_files.ReadClient(key) is { } client)
        {
            var expected = client with { Issuer = key };
            await _secrets.WriteClientAsync(key, expected, cancellationToken).ConfigureAwait(false);
            var back = await _secrets.ReadClientAsync(key, cancellationToken).ConfigureAwait(false);
            Verify(key, "registered client", SecretTokenStore.Serialize(expected, OAuthJsonContext.Default.ClientRegistration), back is null ? null : SecretTokenStore.Serialize(back, OAuthJsonContext.Default.ClientRegistration));
            _files.DeleteClient(key);
            LogClientMigrated(key, _secrets.Store.DisplayName);
            moved = true;
        }

        return moved;
    }

    private void Verify(string key, string what, byte[] written, byte[]? readBack)
    {
        if (readBack is null || !written.AsSpan().SequenceEqual(readBack))
        {
            throw new SecretStoreException($"The {_secrets.Store.DisplayName} did not give back the {what} for {key} that was written to it; the file in {_files.Directory} is kept.");
        }
    }

    [LoggerMessage(Diagnostics.EventIds.TokenMigrated, LogLevel.Information, "Moved the cached token from {Path} into the {Store}; the file is removed.")]
    private partial void LogMigrated(string path, string store);

    [LoggerMessage(Diagnostics.EventIds.ClientMigrated, LogLevel.Information, "Moved the registered client of {Key} from its file into the {Store}; the file is removed.")]
    private partial void LogClientMigrated(string key, string store);
}
