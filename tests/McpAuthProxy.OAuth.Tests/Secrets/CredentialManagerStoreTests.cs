using McpAuthProxy.OAuth.Secrets;
using McpAuthProxy.OAuth.Secrets.CredentialManager;

namespace McpAuthProxy.OAuth.Tests.Secrets;

/// <summary>
/// The Credential Manager store's naming and chunking over an in-memory credential table that enforces Windows's
/// limits (2560-byte blobs, 513-character user names, <c>prefix*</c> filters). The Win32 calls themselves run only on
/// Windows.
/// </summary>
public sealed class CredentialManagerStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeCredentials _credentials = new();

    private CredentialManagerStore Store() => new(_credentials);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2559)]
    [InlineData(2560)]
    [InlineData(5119)]
    [InlineData(5120)]
    [InlineData(12_000)]
    public async Task Secrets_of_any_size_round_trip_in_blobs_of_at_most_2560_bytes(int size)
    {
        var store = Store();
        var key = new SecretKey("mcp-auth-proxy:token", "https://issuer.example");
        var secret = Enumerable.Range(0, size).Select(i => (byte)(i % 251)).ToArray();

        await store.SetAsync(key, secret, Ct);

        Assert.Equal(secret, await store.GetAsync(key, Ct));
        Assert.All(_credentials.Blobs.Values, blob => Assert.InRange(blob.Length, 0, CredentialBlob.MaxBlobSize));
        Assert.Equal(Math.Max(1, (size + 1 + 2559) / 2560), _credentials.Blobs.Count);
    }

    [Fact]
    public async Task A_shorter_value_removes_the_parts_of_the_longer_one()
    {
        var store = Store();
        var key = new SecretKey("mcp-auth-proxy:token", "a");
        await store.SetAsync(key, new byte[9000], Ct);
        Assert.Equal(4, _credentials.Blobs.Count);

        await store.SetAsync(key, new byte[10], Ct);

        Assert.Equal(new byte[10], await store.GetAsync(key, Ct));
        Assert.Equal(["mcp-auth-proxy:token/a"], _credentials.Blobs.Keys);
    }

    [Fact]
    public async Task Delete_removes_every_part_and_list_never_shows_parts()
    {
        var store = Store();
        await store.SetAsync(new SecretKey("svc", "big"), new byte[6000], Ct);
        await store.SetAsync(new SecretKey("svc", "small"), new byte[3], Ct);
        await store.SetAsync(new SecretKey("svc2", "other"), new byte[3], Ct);

        Assert.Equal(["big", "small"], await store.ListAsync("svc", Ct));
        Assert.True(await store.DeleteAsync(new SecretKey("svc", "big"), Ct));
        Assert.False(await store.DeleteAsync(new SecretKey("svc", "big"), Ct));

        Assert.Equal(["svc/small", "svc2/other"], _credentials.Blobs.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Targets_are_service_slash_account_and_accounts_with_any_characters_list_back()
    {
        var store = Store();
        var account = "https://login.example/tenant?x=1|profile/work*" + new string('é', 600);
        await store.SetAsync(new SecretKey("svc", account), new byte[1], Ct);

        Assert.Equal([account], await store.ListAsync("svc", Ct));
        Assert.Equal("svc/" + account, Assert.Single(_credentials.Blobs.Keys));
        Assert.Null(_credentials.UserNames["svc/" + account]); // longer than CRED_MAX_USERNAME_LENGTH
    }

    [Fact]
    public async Task A_missing_part_is_an_error_that_says_to_sign_in_again()
    {
        var store = Store();
        var key = new SecretKey("svc", "a");
        await store.SetAsync(key, new byte[4000], Ct);
        _credentials.Blobs.Remove("svc.part1/a");

        var error = await Assert.ThrowsAsync<SecretStoreException>(async () => await store.GetAsync(key, Ct));

        Assert.Contains("sign in again", error.Message);
    }

    [Fact]
    public async Task A_damaged_first_credential_is_replaced_by_the_next_write()
    {
        var store = Store();
        var key = new SecretKey("svc", "a");
        _credentials.Write("svc/a", "a", []);

        await Assert.ThrowsAsync<SecretStoreException>(async () => await store.GetAsync(key, Ct));
        await store.SetAsync(key, new byte[3000], Ct);

        Assert.Equal(new byte[3000], await store.GetAsync(key, Ct));
    }

    [Fact]
    public void Service_names_that_would_make_targets_ambiguous_are_refused()
    {
        Assert.Throws<ArgumentException>(() => CredentialBlob.Target(new SecretKey("a/b", "c")));
        Assert.Throws<ArgumentException>(() => CredentialBlob.Filter("a*"));
    }

    [Fact]
    public void A_secret_larger_than_255_parts_is_refused_with_a_clear_error()
    {
        var error = Assert.Throws<SecretStoreException>(() => CredentialBlob.Split(new byte[CredentialBlob.MaxSecretSize + 1]));

        Assert.Contains("larger than the Windows Credential Manager can hold", error.Message);
        Assert.Equal(255, CredentialBlob.Split(new byte[CredentialBlob.MaxSecretSize]).Count);
    }

    private sealed class FakeCredentials : ICredentialApi
    {
        public Dictionary<string, byte[]> Blobs { get; } = new(StringComparer.OrdinalIgnoreCase);

        public Dictionary<string, string?> UserNames { get; } = new(StringComparer.OrdinalIgnoreCase);

        public byte[]? Read(string target) => Blobs.GetValueOrDefault(target);

        public void Write(string target, string? userName, ReadOnlySpan<byte> blob)
        {
            // What CredWriteW refuses with ERROR_INVALID_PARAMETER.
            Assert.InRange(blob.Length, 0, CredentialBlob.MaxBlobSize);
            Assert.True(userName is null || userName.Length <= CredentialBlob.MaxUserNameLength);
            Blobs[target] = blob.ToArray();
            UserNames[target] = userName;
        }

        public bool Delete(string target) => Blobs.Remove(target) | UserNames.Remove(target);

        public IReadOnlyList<string> Enumerate(string filter)
        {
            Assert.EndsWith("*", filter);
            return [.. Blobs.Keys.Where(target => target.StartsWith(filter[..^1], StringComparison.OrdinalIgnoreCase))];
        }
    }
}
