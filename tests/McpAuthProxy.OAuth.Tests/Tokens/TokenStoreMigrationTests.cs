using McpAuthProxy.OAuth.Registration;
using McpAuthProxy.OAuth.Secrets;
using McpAuthProxy.OAuth.Secrets.SecretService;
using McpAuthProxy.OAuth.Tests.Secrets;
using McpAuthProxy.OAuth.Tokens;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpAuthProxy.OAuth.Tests.Tokens;

/// <summary>Token files move once into a real Secret Service (gnome-keyring), and a file goes only when the store has it.</summary>
public sealed class TokenStoreMigrationTests(SecretServiceFixture fixture) : IClassFixture<SecretServiceFixture>, IDisposable
{
    private const string Issuer = "https://auth.example.com/realms/work";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mcp-auth-proxy-migrate-" + Guid.NewGuid().ToString("N")[..8]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FileTokenStore Files() => new(_dir, TimeProvider.System, NullLogger<FileTokenStore>.Instance);

    private static TokenStoreMigration Migration(FileTokenStore files, SecretTokenStore secrets) => new(files, secrets, NullLogger<TokenStoreMigration>.Instance);

    private static CachedToken Token(string refresh, DateTimeOffset obtained) => new()
    {
        AccessToken = "access-" + Guid.NewGuid().ToString("N"),
        RefreshToken = refresh,
        ExpiresAt = obtained.AddHours(1),
        ObtainedAt = obtained,
        ClientId = "client",
        Issuer = Issuer,
        RequestedScopes = "openid offline_access",
    };

    [Fact]
    public async Task Token_and_client_move_into_the_store_and_their_files_go()
    {
        var files = Files();
        await using var store = fixture.NewStore();
        var secrets = new SecretTokenStore(store);
        var key = Issuer + "#" + Guid.NewGuid().ToString("N")[..6];
        var refresh = "refresh-" + Guid.NewGuid().ToString("N");
        var token = Token(refresh, DateTimeOffset.UtcNow);
        files.Write(key, token);
        files.WriteClient(key, new ClientRegistration { ClientId = "dcr-client", ClientSecret = "dcr-secret-" + refresh, RedirectUris = ["http://127.0.0.1:20001/oauth/callback"] });

        using (await files.LockAsync(key, Ct))
        {
            Assert.True(await Migration(files, secrets).MigrateAsync(key, Ct));
        }

        Assert.Equal(token, await secrets.ReadAsync(key, Ct));
        var client = await secrets.ReadClientAsync(key, Ct);
        Assert.Equal("dcr-client", client?.ClientId);
        Assert.Equal("dcr-secret-" + refresh, client?.ClientSecret);
        Assert.Null(files.Read(key));
        Assert.Null(files.ReadClient(key));
        Assert.Empty(Directory.GetFiles(_dir, "*.json"));
        Assert.Empty(fixture.Keyring.FilesContaining(refresh));
        Assert.Contains(key, await secrets.ListAsync(Ct));
    }

    [Fact]
    public async Task Migration_happens_once()
    {
        var files = Files();
        await using var store = fixture.NewStore();
        var secrets = new SecretTokenStore(store);
        var key = Issuer + "#" + Guid.NewGuid().ToString("N")[..6];
        files.Write(key, Token("r1", DateTimeOffset.UtcNow));
        Assert.True(await Migration(files, secrets).MigrateAsync(key, Ct));
        var refreshed = Token("r2", DateTimeOffset.UtcNow.AddMinutes(5));
        await secrets.WriteAsync(key, refreshed, Ct);

        Assert.False(await Migration(files, secrets).MigrateAsync(key, Ct));

        Assert.Equal(refreshed, await secrets.ReadAsync(key, Ct));
    }

    [Fact]
    public async Task A_newer_token_in_the_store_is_kept_and_the_older_file_goes()
    {
        var files = Files();
        await using var store = fixture.NewStore();
        var secrets = new SecretTokenStore(store);
        var key = Issuer + "#" + Guid.NewGuid().ToString("N")[..6];
        var now = DateTimeOffset.UtcNow;
        var newer = Token("newer", now);
        await secrets.WriteAsync(key, newer, Ct);
        files.Write(key, Token("older", now.AddMinutes(-30)));

        Assert.True(await Migration(files, secrets).MigrateAsync(key, Ct));

        Assert.Equal(newer, await secrets.ReadAsync(key, Ct));
        Assert.Null(files.Read(key));
    }

    [Fact]
    public async Task A_file_newer_than_the_stores_token_replaces_it()
    {
        var files = Files();
        await using var store = fixture.NewStore();
        var secrets = new SecretTokenStore(store);
        var key = Issuer + "#" + Guid.NewGuid().ToString("N")[..6];
        var now = DateTimeOffset.UtcNow;
        await secrets.WriteAsync(key, Token("older", now.AddMinutes(-30)), Ct);
        var newer = Token("newer-from-a-file-fallback", now);
        files.Write(key, newer);

        Assert.True(await Migration(files, secrets).MigrateAsync(key, Ct));

        Assert.Equal(newer, await secrets.ReadAsync(key, Ct));
    }

    [Fact]
    public async Task When_the_store_cannot_be_used_the_file_is_kept()
    {
        var files = Files();
        await using var store = new SecretServiceStore(new SecretServiceOptions { BusAddress = "unix:path=" + Path.Combine(_dir, "no-bus") });
        var token = Token("r", DateTimeOffset.UtcNow);
        files.Write(Issuer, token);

        await Assert.ThrowsAsync<SecretStoreException>(() => Migration(files, new SecretTokenStore(store)).MigrateAsync(Issuer, Ct));

        Assert.Equal(token, files.Read(Issuer));
    }

    [Fact]
    public async Task When_the_store_gives_back_something_else_the_file_is_kept()
    {
        var files = Files();
        var token = Token("r", DateTimeOffset.UtcNow);
        files.Write(Issuer, token);

        var error = await Assert.ThrowsAsync<SecretStoreException>(() => Migration(files, new SecretTokenStore(new ForgetfulStore())).MigrateAsync(Issuer, Ct));

        Assert.Contains("the file in", error.Message);
        Assert.Equal(token, files.Read(Issuer));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>A store that accepts every write and keeps a truncated copy: what a read-back comparison must catch.</summary>
    private sealed class ForgetfulStore : ISecretStore
    {
        private readonly Dictionary<SecretKey, byte[]> _values = [];

        public string DisplayName => "forgetful store";

        public ValueTask<SecretStoreAvailability> CheckAsync(CancellationToken cancellationToken) => ValueTask.FromResult(SecretStoreAvailability.Usable);

        public ValueTask<byte[]?> GetAsync(SecretKey key, CancellationToken cancellationToken) => ValueTask.FromResult(_values.GetValueOrDefault(key));

        public ValueTask SetAsync(SecretKey key, ReadOnlyMemory<byte> secret, CancellationToken cancellationToken)
        {
            var text = System.Text.Encoding.UTF8.GetString(secret.Span).Replace("\"refresh_token\"", "\"dropped\"", StringComparison.Ordinal);
            _values[key] = System.Text.Encoding.UTF8.GetBytes(text);
            return ValueTask.CompletedTask;
        }

        public ValueTask<bool> DeleteAsync(SecretKey key, CancellationToken cancellationToken) => ValueTask.FromResult(_values.Remove(key));

        public ValueTask<IReadOnlyList<string>> ListAsync(string service, CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<string>>([]);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
