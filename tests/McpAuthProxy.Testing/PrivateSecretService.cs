using System.Text;
using Tmds.DBus.Protocol;

namespace McpAuthProxy.Testing;

/// <summary>
/// A real Secret Service for a test: a dbus-daemon with its own configuration and socket in a temporary folder (no
/// service activation, so nothing else starts on it), and gnome-keyring-daemon on that bus with HOME and the XDG
/// folders in the same temporary folder, its login keyring created and unlocked with a password fed on stdin. The
/// user's own keyring and session bus are never touched. Both processes are stopped and the folder removed on dispose.
/// </summary>
public sealed class PrivateSecretService : IAsyncDisposable
{
    private const string KeyringPassword = "test-keyring-password";

    private readonly List<ChildProcess> _processes = [];

    private PrivateSecretService(string root, string busAddress)
    {
        Root = root;
        BusAddress = busAddress;
    }

    /// <summary>The temporary folder that is HOME, XDG_DATA_HOME (the keyrings), XDG_RUNTIME_DIR and the bus socket's home.</summary>
    public string Root { get; }

    public string BusAddress { get; }

    /// <summary>The environment of a process that should use this Secret Service (and this HOME).</summary>
    public IDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["DBUS_SESSION_BUS_ADDRESS"] = BusAddress,
        ["HOME"] = Path.Combine(Root, "home"),
        ["XDG_DATA_HOME"] = Path.Combine(Root, "data"),
        ["XDG_CONFIG_HOME"] = Path.Combine(Root, "config"),
        ["XDG_CACHE_HOME"] = Path.Combine(Root, "cache"),
        ["XDG_RUNTIME_DIR"] = Path.Combine(Root, "run"),
        ["DISPLAY"] = null,
        ["WAYLAND_DISPLAY"] = null,
    };

    /// <summary>A bus with no Secret Service on it: what a headless machine with D-Bus but no keyring looks like.</summary>
    public static Task<PrivateSecretService> StartBusOnlyAsync(CancellationToken cancellationToken) => StartAsync(keyring: false, cancellationToken);

    /// <summary>A bus with gnome-keyring on it and an unlocked default (login) keyring.</summary>
    public static Task<PrivateSecretService> StartAsync(CancellationToken cancellationToken) => StartAsync(keyring: true, cancellationToken);

    private static async Task<PrivateSecretService> StartAsync(bool keyring, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("mcp-secrets-").FullName;
        foreach (var folder in (string[])["home", "data", "config", "cache", "run"])
        {
            Directory.CreateDirectory(Path.Combine(root, folder), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var config = Path.Combine(root, "bus.conf");
        await File.WriteAllTextAsync(config, $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:path={Path.Combine(root, "run", "bus")}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """, cancellationToken);

        var bus = ChildProcess.Start("dbus-daemon", ["--config-file=" + config, "--nofork", "--print-address=1"]);
        PrivateSecretService? harness = null;
        try
        {
            var address = (await bus.ReadStdoutLineAsync(cancellationToken)).Trim();
            harness = new PrivateSecretService(root, address);
            harness._processes.Add(bus);
            if (keyring)
            {
                var daemon = ChildProcess.Start("gnome-keyring-daemon", ["--unlock", "--foreground", "--components=secrets"], harness.Environment);
                harness._processes.Add(daemon);
                await daemon.StandardInput.WriteAsync(KeyringPassword);
                daemon.StandardInput.Close();
                await harness.WaitForDefaultCollectionAsync(daemon, cancellationToken);
            }

            return harness;
        }
        catch
        {
            if (harness is not null)
            {
                await harness.DisposeAsync();
            }
            else
            {
                await bus.DisposeAsync();
                Directory.Delete(root, recursive: true);
            }

            throw;
        }
    }

    /// <summary>Locks the default keyring, as a screen lock or <c>seahorse</c> would.</summary>
    public async Task LockDefaultCollectionAsync(CancellationToken cancellationToken)
    {
        using var connection = await ConnectAsync();
        var collection = await ReadDefaultAliasAsync(connection);
        await connection.CallMethodAsync(Message(connection, "Lock", "ao", collection)).WaitAsync(TestTimeouts.Default, cancellationToken);
    }

    /// <summary><c>secret-tool lookup</c>: another client of the same Secret Service reads an item by its attributes.</summary>
    public async Task<string?> SecretToolLookupAsync(CancellationToken cancellationToken, params string[] attributes)
    {
        await using var tool = ChildProcess.Start("secret-tool", ["lookup", .. attributes], Environment);
        tool.StandardInput.Close();
        var exit = await tool.WaitForExitAsync(cancellationToken);
        return exit == 0 ? string.Concat(tool.StdoutLines) : null;
    }

    /// <summary><c>secret-tool store</c>: another program's item (libsecret's generic schema).</summary>
    public async Task SecretToolStoreAsync(string secret, CancellationToken cancellationToken, params string[] attributes)
    {
        await using var tool = ChildProcess.Start("secret-tool", ["store", "--label=other program", .. attributes], Environment);
        await tool.StandardInput.WriteAsync(secret);
        tool.StandardInput.Close();
        var exit = await tool.WaitForExitAsync(cancellationToken);
        if (exit != 0)
        {
            throw new InvalidOperationException("secret-tool store failed: " + tool.Stderr);
        }
    }

    /// <summary>Every file under <see cref="Root"/> (the keyrings among them) whose bytes hold <paramref name="secret"/> in UTF-8.</summary>
    public IReadOnlyList<string> FilesContaining(string secret)
    {
        var needle = Encoding.UTF8.GetBytes(secret);
        return [.. Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Where(path => TryRead(path) is { } bytes && bytes.AsSpan().IndexOf(needle) >= 0)];
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WaitForDefaultCollectionAsync(ChildProcess daemon, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TestTimeouts.Default);
        using var connection = await ConnectAsync();
        while (true)
        {
            try
            {
                if (await ReadDefaultAliasAsync(connection) != "/")
                {
                    return;
                }
            }
            catch (DBusErrorReplyException)
            {
                // Not on the bus yet.
            }

            if (daemon.HasExited)
            {
                throw new InvalidOperationException("gnome-keyring-daemon exited: " + daemon.Stderr);
            }

            try
            {
                await Task.Delay(100, limit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException("gnome-keyring-daemon did not offer a default keyring; stderr:\n" + daemon.Stderr);
            }
        }
    }

    private async Task<DBusConnection> ConnectAsync()
    {
        var connection = new DBusConnection(BusAddress);
        await connection.ConnectAsync();
        return connection;
    }

    private static Task<string> ReadDefaultAliasAsync(DBusConnection connection) =>
        connection.CallMethodAsync(Message(connection, "ReadAlias", "s", "default"), static (m, _) => m.GetBodyReader().ReadObjectPathAsString());

    private static MessageBuffer Message(DBusConnection connection, string member, string signature, string argument)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: "org.freedesktop.secrets", path: "/org/freedesktop/secrets", @interface: "org.freedesktop.Secret.Service", member: member, signature: signature);
        if (signature == "ao")
        {
            writer.WriteArray(new[] { new ObjectPath(argument) });
        }
        else
        {
            writer.WriteString(argument);
        }

        return writer.CreateMessage();
    }

    private static byte[]? TryRead(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
