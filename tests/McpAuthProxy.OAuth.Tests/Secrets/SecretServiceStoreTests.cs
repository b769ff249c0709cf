using System.Text;
using McpAuthProxy.OAuth.Secrets;
using McpAuthProxy.OAuth.Secrets.SecretService;
using McpAuthProxy.Testing;

namespace McpAuthProxy.OAuth.Tests.Secrets;

/// <summary>The Secret Service store against a real gnome-keyring-daemon on a private D-Bus session bus.</summary>
public sealed class SecretServiceStoreTests(SecretServiceFixture fixture) : IClassFixture<SecretServiceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewService() => "mcp-auth-proxy-test-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Usable_when_the_default_keyring_is_unlocked()
    {
        await using var store = fixture.NewStore();

        var availability = await store.CheckAsync(Ct);

        Assert.True(availability.IsUsable, availability.Reason);
    }

    [Fact]
    public async Task Set_then_get_returns_the_secret_and_secret_tool_finds_the_same_item()
    {
        await using var store = fixture.NewStore();
        var key = new SecretKey(NewService(), "https://issuer.example/realms/a");

        await store.SetStringAsync(key, "refresh-token-Ωü-1", Ct);

        Assert.Equal("refresh-token-Ωü-1", await store.GetStringAsync(key, Ct));
        Assert.Equal("refresh-token-Ωü-1", await fixture.Keyring.SecretToolLookupAsync(Ct, "xdg:schema", SecretServiceStore.Schema, "service", key.Service, "account", key.Account));
    }

    [Fact]
    public async Task Another_store_instance_reads_what_the_first_wrote()
    {
        var key = new SecretKey(NewService(), "account");
        await using (var first = fixture.NewStore())
        {
            await first.SetStringAsync(key, "kept", Ct);
        }

        await using var second = fixture.NewStore();

        Assert.Equal("kept", await second.GetStringAsync(key, Ct));
    }

    [Fact]
    public async Task Set_replaces_the_value_and_keeps_one_item()
    {
        await using var store = fixture.NewStore();
        var key = new SecretKey(NewService(), "account");

        await store.SetStringAsync(key, "first", Ct);
        await store.SetStringAsync(key, "second", Ct);

        Assert.Equal("second", await store.GetStringAsync(key, Ct));
        Assert.Equal(["account"], await store.ListAsync(key.Service, Ct));
    }

    [Fact]
    public async Task Bytes_of_every_value_and_a_large_secret_round_trip()
    {
        await using var store = fixture.NewStore();
        var key = new SecretKey(NewService(), "binary");
        var secret = Enumerable.Range(0, 64 * 1024).Select(i => (byte)(i * 7 % 256)).ToArray();

        await store.SetAsync(key, secret, Ct);

        Assert.Equal(secret, await store.GetAsync(key, Ct));
    }

    [Fact]
    public async Task Get_of_an_absent_key_is_null_and_delete_says_false()
    {
        await using var store = fixture.NewStore();
        var key = new SecretKey(NewService(), "nobody");

        Assert.Null(await store.GetAsync(key, Ct));
        Assert.False(await store.DeleteAsync(key, Ct));
    }

    [Fact]
    public async Task Delete_removes_that_account_only()
    {
        await using var store = fixture.NewStore();
        var service = NewService();
        await store.SetStringAsync(new SecretKey(service, "a"), "1", Ct);
        await store.SetStringAsync(new SecretKey(service, "b"), "2", Ct);

        Assert.True(await store.DeleteAsync(new SecretKey(service, "a"), Ct));

        Assert.Null(await store.GetAsync(new SecretKey(service, "a"), Ct));
        Assert.Equal("2", await store.GetStringAsync(new SecretKey(service, "b"), Ct));
        Assert.Equal(["b"], await store.ListAsync(service, Ct));
    }

    [Fact]
    public async Task List_returns_the_accounts_of_one_service_in_order()
    {
        await using var store = fixture.NewStore();
        var service = NewService();
        var other = NewService();
        foreach (var account in (string[])["https://b.example", "https://a.example", "profile work|https://a.example"])
        {
            await store.SetStringAsync(new SecretKey(service, account), "x", Ct);
        }

        await store.SetStringAsync(new SecretKey(other, "elsewhere"), "y", Ct);

        Assert.Equal(["https://a.example", "https://b.example", "profile work|https://a.example"], await store.ListAsync(service, Ct));
    }

    [Fact]
    public async Task Another_programs_item_with_the_same_service_and_account_is_never_read_replaced_or_deleted()
    {
        await using var store = fixture.NewStore();
        var key = new SecretKey(NewService(), "shared-name");
        await fixture.Keyring.SecretToolStoreAsync("theirs", Ct, "service", key.Service, "account", key.Account);

        Assert.Null(await store.GetAsync(key, Ct));
        await store.SetStringAsync(key, "ours", Ct);
        Assert.Equal("ours", await store.GetStringAsync(key, Ct));
        Assert.True(await store.DeleteAsync(key, Ct));

        Assert.Equal("theirs", await fixture.Keyring.SecretToolLookupAsync(Ct, "service", key.Service, "account", key.Account));
        Assert.Empty(await store.ListAsync(key.Service, Ct));
    }

    [Fact]
    public async Task Secrets_reach_the_keyring_file_but_never_any_file_in_plaintext()
    {
        await using var store = fixture.NewStore();
        var key = new SecretKey(NewService(), "account");
        var keyring = Path.Combine(fixture.Keyring.Root, "data", "keyrings", "login.keyring");
        var before = await File.ReadAllBytesAsync(keyring, Ct);
        var secret = "plaintext-canary-" + Guid.NewGuid().ToString("N");

        await store.SetStringAsync(key, secret, Ct);

        // gnome-keyring writes the keyring file when an item is added: wait for it to change, then look for the secret.
        await WaitUntilAsync(async () => !(await File.ReadAllBytesAsync(keyring, Ct)).AsSpan().SequenceEqual(before));
        Assert.Empty(fixture.Keyring.FilesContaining(secret));
        Assert.Empty(fixture.Keyring.FilesContaining(key.Service)); // the attributes are encrypted with the secret
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(TestTimeouts.Default);
        while (!await condition())
        {
            await Task.Delay(50, limit.Token);
        }
    }
}

/// <summary>Where there is no usable Secret Service, the store says so in one line and never throws from the check.</summary>
public sealed class SecretServiceNotUsableTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_session_bus_is_not_usable()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-bus-" + Guid.NewGuid().ToString("N"), "bus");
        await using var store = new SecretServiceStore(new SecretServiceOptions { BusAddress = "unix:path=" + missing });

        var availability = await store.CheckAsync(Ct);

        Assert.False(availability.IsUsable);
        Assert.StartsWith("Could not connect to the D-Bus session bus", availability.Reason);
        var error = await Assert.ThrowsAsync<SecretStoreException>(async () => await store.SetStringAsync(new SecretKey("s", "a"), "x", Ct));
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void No_bus_address_in_the_environment_means_no_session_bus()
    {
        var environment = new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = "/run/user/1000" };

        Assert.Null(SecretServiceOptions.SessionBusAddress(name => environment.GetValueOrDefault(name), _ => false));
        Assert.Equal("unix:path=/run/user/1000/bus", SecretServiceOptions.SessionBusAddress(name => environment.GetValueOrDefault(name), _ => true));
        environment["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/tmp/x";
        Assert.Equal("unix:path=/tmp/x", SecretServiceOptions.SessionBusAddress(name => environment.GetValueOrDefault(name), _ => true));
    }

    [Fact]
    public async Task A_bus_without_a_secret_service_is_not_usable_and_auto_falls_back_to_files()
    {
        await using var bus = await PrivateSecretService.StartBusOnlyAsync(Ct);
        await using var store = new SecretServiceStore(new SecretServiceOptions { BusAddress = bus.BusAddress });

        var availability = await store.CheckAsync(Ct);

        Assert.False(availability.IsUsable);
        Assert.Contains("No Secret Service", availability.Reason);
        var decision = TokenStoreSelection.Decide(TokenStoreKind.Auto, store.DisplayName, availability);
        Assert.False(decision.UseOsStore);
        Assert.Null(decision.Error);
        Assert.Contains("No Secret Service", decision.Notice);
        Assert.Contains("No Secret Service", TokenStoreSelection.Decide(TokenStoreKind.Keychain, store.DisplayName, availability).Error);
    }

    [Fact]
    public async Task A_locked_keyring_is_not_usable_and_nothing_is_written_to_it()
    {
        await using var keyring = await PrivateSecretService.StartAsync(Ct);
        await using var store = new SecretServiceStore(new SecretServiceOptions { BusAddress = keyring.BusAddress });
        Assert.True((await store.CheckAsync(Ct)).IsUsable);

        await keyring.LockDefaultCollectionAsync(Ct);

        var availability = await store.CheckAsync(Ct);
        Assert.False(availability.IsUsable);
        Assert.Contains("locked", availability.Reason);
        var error = await Assert.ThrowsAsync<SecretStoreException>(async () => await store.SetStringAsync(new SecretKey("s", "a"), "x", Ct));
        Assert.Contains("locked", error.Message);
        Assert.False(TokenStoreSelection.Decide(TokenStoreKind.Auto, store.DisplayName, availability).UseOsStore);
    }
}
