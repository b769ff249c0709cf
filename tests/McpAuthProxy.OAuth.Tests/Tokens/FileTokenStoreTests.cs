using CsCheck;
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
    public void Long_server_url_gets_a_short_name_that_keeps_the_host_and_works()
    {
        var store = Store();
        var url = "https://mcp.example.com/" + string.Concat(Enumerable.Repeat("very-long-path-segment/", 30)) + "mcp?tenant=" + new string('x', 200);
        var token = new CachedToken { AccessToken = "a", ClientId = "c" };

        store.Write(url, token);

        var name = FileTokenStore.FileNameFor(url);
        Assert.StartsWith("mcp.example.com_", name);
        Assert.EndsWith("_tokens.json", name);
        Assert.True(name.Length <= FileTokenStore.MaxFileNameLength, name);
        Assert.Equal(token, store.Read(url));
    }

    [Fact]
    public void Every_key_gets_a_name_the_file_system_takes_within_the_limit()
    {
        // Any characters (multi-byte ones too), any length.
        var keys = Gen.String[0, 600].Select(tail => "https://host.example/" + tail);
        keys.Sample(key =>
        {
            var name = FileTokenStore.FileNameFor(key);
            return System.Text.Encoding.UTF8.GetByteCount(name) <= FileTokenStore.MaxFileNameLength
                && name.IndexOfAny(['/', '\\', ':', '\0', '*', '?', '"', '<', '>', '|']) < 0
                && name.StartsWith("host.example_", StringComparison.Ordinal);
        }, iter: 500);
    }

    [Fact]
    public void Long_keys_that_differ_only_at_the_end_get_different_files()
    {
        var stem = "https://mcp.example.com/" + new string('a', 300);

        Assert.NotEqual(FileTokenStore.FileNameFor(stem + "/one"), FileTokenStore.FileNameFor(stem + "/two"));
    }

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
