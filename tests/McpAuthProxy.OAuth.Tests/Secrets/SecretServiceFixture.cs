using McpAuthProxy.OAuth.Secrets.SecretService;
using McpAuthProxy.Testing;

namespace McpAuthProxy.OAuth.Tests.Secrets;

/// <summary>One private gnome-keyring (on its own dbus-daemon) for a test class; each test uses its own service names.</summary>
public sealed class SecretServiceFixture : IAsyncLifetime
{
    public PrivateSecretService Keyring { get; private set; } = null!;

    public SecretServiceStore NewStore() => new(new SecretServiceOptions { BusAddress = Keyring.BusAddress });

    public async ValueTask InitializeAsync() => Keyring = await PrivateSecretService.StartAsync(CancellationToken.None);

    public async ValueTask DisposeAsync() => await Keyring.DisposeAsync();
}
