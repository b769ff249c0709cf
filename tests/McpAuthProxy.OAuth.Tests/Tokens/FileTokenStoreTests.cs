using McpAuthProxy.OAuth.Tokens;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpAuthProxy.OAuth.Tests.Tokens;

public sealed class FileTokenStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mcp-auth-proxy-store-" + Guid.NewGuid().ToString("N")[..8]);

    private FileTokenStore Store() => new(_dir, TimeProvider.System, NullLogger<FileTokenStore>.Instance);

    [Theory]
    [InlineData("https://auth.example.com/realms/myrealm", "auth.example.com_realms_myrealm_tokens.json")]
    [InlineData("http://localhost:8080", "localhost_8080_tokens.json")]
    [InlineData("https://auth.example.com/", "auth.example.com__tokens.json")]
    public void File_name_is_the_rust_versions(string issuer, string expected) =>
        Assert.Equal(expected, FileTokenStore.FileNameFor(issuer));

    [Fact]
    public void Written_token_reads_back_from_a_0600_file_in_a_0700_folder()
    {
        var store = Store();
        var token = new CachedToken { AccessToken = "a", RefreshToken = "r", ExpiresAt = DateTimeOffset.UnixEpoch.AddYears(60), ClientId = "c" };

        store.Write("https://issuer", token);

        Assert.Equal(token, store.Read("https://issuer"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.PathFor("https://issuer")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
    }

    [Fact]
    public void Unreadable_file_is_moved_aside_not_deleted()
    {
        var store = Store();
        Directory.CreateDirectory(_dir);
        File.WriteAllText(store.PathFor("https://issuer"), "[not a token");

        Assert.Null(store.Read("https://issuer"));

        Assert.False(File.Exists(store.PathFor("https://issuer")));
        Assert.Equal("[not a token", File.ReadAllText(Assert.Single(Directory.GetFiles(_dir, "*.corrupt-*"))));
    }

    [Fact]
    public async Task Lock_is_exclusive_until_released()
    {
        var store = Store();
        var first = await store.LockAsync("https://issuer", TestContext.Current.CancellationToken);

        var second = store.LockAsync("https://issuer", TestContext.Current.CancellationToken);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.False(second.IsCompleted);

        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken)).Dispose();
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
