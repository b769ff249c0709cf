using McpAuthProxy.OAuth.Secrets;

namespace McpAuthProxy.OAuth.Tests.Secrets;

public sealed class TokenStoreSelectionTests
{
    private static readonly SecretStoreAvailability Locked = SecretStoreAvailability.NotUsable("The default keyring is locked.");

    [Theory]
    [InlineData(null, TokenStoreKind.Auto)]
    [InlineData("", TokenStoreKind.Auto)]
    [InlineData("auto", TokenStoreKind.Auto)]
    [InlineData("AUTO", TokenStoreKind.Auto)]
    [InlineData(" keychain ", TokenStoreKind.Keychain)]
    [InlineData("File", TokenStoreKind.File)]
    public void Parses_every_spelling(string? text, TokenStoreKind expected)
    {
        Assert.True(TokenStoreSelection.TryParse(text, out var kind, out var error));
        Assert.Equal(expected, kind);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("libsecret")]
    [InlineData("files")]
    [InlineData("os")]
    public void Refuses_other_words_with_the_three_that_work(string text)
    {
        Assert.False(TokenStoreSelection.TryParse(text, out _, out var error));
        Assert.Equal($"--token-store '{text}' is not a token store; write auto (the OS credential store where usable, else files), keychain or file.", error);
    }

    [Fact]
    public void Auto_uses_a_usable_os_store() =>
        Assert.Same(TokenStoreDecision.OsStore, TokenStoreSelection.Decide(TokenStoreKind.Auto, "Secret Service", SecretStoreAvailability.Usable));

    [Fact]
    public void Auto_falls_back_to_files_and_says_why()
    {
        var decision = TokenStoreSelection.Decide(TokenStoreKind.Auto, "Secret Service", Locked);

        Assert.False(decision.UseOsStore);
        Assert.Null(decision.Error);
        Assert.Equal("Tokens are kept in files (0600) because the Secret Service cannot be used: The default keyring is locked.", decision.Notice);
    }

    [Fact]
    public void Auto_on_an_os_without_a_store_uses_files() =>
        Assert.False(TokenStoreSelection.Decide(TokenStoreKind.Auto, null, null).UseOsStore);

    [Fact]
    public void Keychain_fails_where_the_store_cannot_be_used()
    {
        Assert.Equal("--token-store keychain: the Secret Service cannot be used: The default keyring is locked. Or use --token-store file.",
            TokenStoreSelection.Decide(TokenStoreKind.Keychain, "Secret Service", Locked).Error);
        Assert.NotNull(TokenStoreSelection.Decide(TokenStoreKind.Keychain, null, null).Error);
        Assert.Same(TokenStoreDecision.OsStore, TokenStoreSelection.Decide(TokenStoreKind.Keychain, "macOS Keychain", SecretStoreAvailability.Usable));
    }

    [Fact]
    public void File_never_needs_the_os_store()
    {
        Assert.False(TokenStoreSelection.NeedsOsStore(TokenStoreKind.File));
        Assert.Same(TokenStoreDecision.Files, TokenStoreSelection.Decide(TokenStoreKind.File, "Secret Service", SecretStoreAvailability.Usable));
    }
}
