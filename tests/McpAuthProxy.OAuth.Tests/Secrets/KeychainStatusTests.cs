using McpAuthProxy.OAuth.Secrets.Keychain;

namespace McpAuthProxy.OAuth.Tests.Secrets;

/// <summary>What the Keychain store makes of the Security framework's answers (the SecItem calls run only on macOS).</summary>
public sealed class KeychainStatusTests
{
    [Theory]
    [InlineData(KeychainStatus.Success, true)]
    [InlineData(KeychainStatus.ItemNotFound, true)]
    [InlineData(KeychainStatus.InteractionNotAllowed, false)]
    [InlineData(KeychainStatus.NoDefaultKeychain, false)]
    [InlineData(KeychainStatus.UserCanceled, false)]
    public void Only_success_and_not_found_mean_usable(int status, bool usable) =>
        Assert.Equal(usable, KeychainStatus.MeansUsable(status));

    [Fact]
    public void A_locked_keychain_over_ssh_says_how_to_unlock_it() =>
        Assert.Contains("security unlock-keychain", KeychainStatus.Describe(KeychainStatus.InteractionNotAllowed, "User interaction is not allowed."));

    [Fact]
    public void An_unknown_status_keeps_the_systems_text_on_one_line()
    {
        var line = KeychainStatus.Describe(-99999, "Something odd.");

        Assert.Equal("The macOS Keychain answered -99999: Something odd.", line);
        Assert.DoesNotContain('\n', line);
    }
}
