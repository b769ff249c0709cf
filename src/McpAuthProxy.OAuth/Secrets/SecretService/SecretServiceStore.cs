using Tmds.DBus.Protocol;

namespace McpAuthProxy.OAuth.Secrets.SecretService;

/// <summary>
/// Secrets in the freedesktop Secret Service (GNOME Keyring, KDE Wallet, KeePassXC) over the D-Bus session bus, in the
/// default collection, as items whose attributes are <c>xdg:schema</c> = <see cref="Schema"/>, <c>service</c> and
/// <c>account</c> (so <c>secret-tool lookup service S account A</c> finds them). Secrets travel in a "plain" session
/// (the session bus is reachable only by this user), as go-keyring does. A locked keyring, a missing default
/// collection, no Secret Service and no session bus all make the store "not usable": it never prompts the user.
/// </summary>
public sealed class SecretServiceStore : ISecretStore
{
    /// <summary>The <c>xdg:schema</c> attribute of our items, so that searches never touch another program's.</summary>
    public const string Schema = "mcp-auth-proxy";

    private const string Destination = "org.freedesktop.secrets";
    private const string ServicePath = "/org/freedesktop/secrets";
    private const string ServiceInterface = "org.freedesktop.Secret.Service";
    private const string CollectionInterface = "org.freedesktop.Secret.Collection";
    private const string ItemInterface = "org.freedesktop.Secret.Item";
    private const string NoPrompt = "/";

    private readonly SecretServiceOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DBusConnection? _connection;
    private string? _session;

    public SecretServiceStore(SecretServiceOptions? options = null) => _options = options ?? new SecretServiceOptions();

    public string DisplayName => "Secret Service";

    public async ValueTask<SecretStoreAvailability> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(static (_, _, _, _) => Task.FromResult(true), cancellationToken).ConfigureAwait(false);
            return SecretStoreAvailability.Usable;
        }
        catch (SecretStoreException e)
        {
            return SecretStoreAvailability.NotUsable(e.Message);
        }
    }

    public async ValueTask<byte[]?> GetAsync(SecretKey key, CancellationToken cancellationToken) =>
        await RunAsync(async (connection, session, collection, ct) =>
        {
            foreach (var item in await SearchAsync(connection, collection, key.Service, key.Account, ct).ConfigureAwait(false))
            {
                return await CallAsync(connection, GetSecretMessage(connection, item, session), static (m, _) => ReadSecretValue(m), ct).ConfigureAwait(false);
            }

            return null;
        }, cancellationToken).ConfigureAwait(false);

    public async ValueTask SetAsync(SecretKey key, ReadOnlyMemory<byte> secret, CancellationToken cancellationToken) =>
        await RunAsync(async (connection, session, collection, ct) =>
        {
            var prompt = await CallAsync(connection, CreateItemMessage(connection, collection, session, key, secret.Span), static (m, _) =>
            {
                var reader = m.GetBodyReader();
                reader.ReadObjectPathAsString();
                return reader.ReadObjectPathAsString();
            }, ct).ConfigureAwait(false);
            return prompt == NoPrompt ? true : throw Locked();
        }, cancellationToken).ConfigureAwait(false);

    public async ValueTask<bool> DeleteAsync(SecretKey key, CancellationToken cancellationToken) =>
        await RunAsync(async (connection, _, collection, ct) =>
        {
            var found = false;
            foreach (var item in await SearchAsync(connection, collection, key.Service, key.Account, ct).ConfigureAwait(false))
            {
                var prompt = await CallAsync(connection, Call(connection, item, ItemInterface, "Delete", null), static (m, _) => m.GetBodyReader().ReadObjectPathAsString(), ct).ConfigureAwait(false);
                found = prompt == NoPrompt ? true : throw Locked();
            }

            return found;
        }, cancellationToken).ConfigureAwait(false);

    public async ValueTask<IReadOnlyList<string>> ListAsync(string service, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        return await RunAsync(async (connection, _, collection, ct) =>
        {
            var accounts = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var item in await SearchAsync(connection, collection, service, null, ct).ConfigureAwait(false))
            {
                var attributes = await CallAsync(connection, GetPropertyMessage(connection, item, ItemInterface, "Attributes"), static (m, _) => ReadAttributes(m), ct).ConfigureAwait(false);
                if (attributes.TryGetValue("account", out var account))
                {
                    accounts.Add(account);
                }
            }

            return (IReadOnlyList<string>)[.. accounts];
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_connection is { } connection && _session is { } session)
            {
                try
                {
                    await CallAsync(connection, Call(connection, session, "org.freedesktop.Secret.Session", "Close", null), static (_, _) => true, CancellationToken.None).ConfigureAwait(false);
                }
                catch (SecretStoreException)
                {
                    // The session ends with the connection anyway.
                }
            }

            Reset();
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="operation"/> with a connection, an open session and the default collection, unlocked. One
    /// operation at a time: a D-Bus connection is cheap to share but the session and collection state are not.
    /// </summary>
    private async Task<T> RunAsync<T>(Func<DBusConnection, string, string, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            _session ??= await CallAsync(connection, OpenSessionMessage(connection), static (m, _) =>
            {
                var reader = m.GetBodyReader();
                reader.ReadVariantValue();
                return reader.ReadObjectPathAsString();
            }, cancellationToken).ConfigureAwait(false);

            var collection = await CallAsync(connection, ReadAliasMessage(connection, "default"), static (m, _) => m.GetBodyReader().ReadObjectPathAsString(), cancellationToken).ConfigureAwait(false);
            if (collection == NoPrompt)
            {
                throw new SecretStoreException("The Secret Service has no default keyring; create one (e.g. in GNOME's Passwords and Keys).");
            }

            var locked = await CallAsync(connection, GetPropertyMessage(connection, collection, CollectionInterface, "Locked"), static (m, _) => m.GetBodyReader().ReadVariantValue().GetBool(), cancellationToken).ConfigureAwait(false);
            if (locked && !await UnlockWithoutPromptAsync(connection, collection, cancellationToken).ConfigureAwait(false))
            {
                throw Locked();
            }

            return await operation(connection, _session, collection, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretStoreException)
        {
            throw;
        }
        catch (DBusErrorReplyException e) when (e.ErrorName == "org.freedesktop.Secret.Error.IsLocked")
        {
            throw Locked();
        }
        catch (DBusExceptionBase e)
        {
            Reset();
            throw new SecretStoreException($"The Secret Service failed: {e.Message}", e);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<DBusConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } connected)
        {
            return connected;
        }

        var address = _options.BusAddress ?? SecretServiceOptions.SessionBusAddress(Environment.GetEnvironmentVariable, File.Exists)
            ?? throw new SecretStoreException("There is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service.");
        var connection = new DBusConnection(address);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(_options.CallTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DBusExceptionBase or TimeoutException or IOException or System.Net.Sockets.SocketException or ArgumentException)
        {
            connection.Dispose();
            throw new SecretStoreException($"Could not connect to the D-Bus session bus at {address}: {e.Message}", e);
        }

        return _connection = connection;
    }

    private async Task<bool> UnlockWithoutPromptAsync(DBusConnection connection, string collection, CancellationToken cancellationToken)
    {
        var (unlocked, prompt) = await CallAsync(connection, UnlockMessage(connection, collection), static (m, _) =>
        {
            var reader = m.GetBodyReader();
            return (reader.ReadArrayOfObjectPath(), reader.ReadObjectPathAsString());
        }, cancellationToken).ConfigureAwait(false);

        // A prompt means the user would have to type a password: we never start one, a desktop client cannot show it.
        return prompt == NoPrompt && unlocked.Any(path => path.ToString() == collection);
    }

    private async Task<IReadOnlyList<string>> SearchAsync(DBusConnection connection, string collection, string service, string? account, CancellationToken cancellationToken) =>
        await CallAsync(connection, SearchItemsMessage(connection, collection, service, account), static (m, _) =>
            m.GetBodyReader().ReadArrayOfObjectPath().Select(path => path.ToString()).ToArray(), cancellationToken).ConfigureAwait(false);

    private async Task<T> CallAsync<T>(DBusConnection connection, MessageBuffer message, MessageValueReader<T> reader, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.CallMethodAsync(message, reader).WaitAsync(_options.CallTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            Reset();
            throw new SecretStoreException($"The Secret Service did not answer within {_options.CallTimeout.TotalSeconds:0} s.", e);
        }
        catch (DBusErrorReplyException e) when (e.ErrorName is "org.freedesktop.DBus.Error.ServiceUnknown" or "org.freedesktop.DBus.Error.NameHasNoOwner")
        {
            throw new SecretStoreException("No Secret Service (org.freedesktop.secrets) answers on the D-Bus session bus; start gnome-keyring, KWallet or KeePassXC's Secret Service.", e);
        }
    }

    private static SecretStoreException Locked() =>
        new("The default keyring of the Secret Service is locked; unlock it (log in to the desktop, or open GNOME's Passwords and Keys).");

    private void Reset()
    {
        _connection?.Dispose();
        _connection = null;
        _session = null;
    }

    private static MessageBuffer Call(DBusConnection connection, string path, string @interface, string member, string? signature)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Destination, path: path, @interface: @interface, member: member, signature: signature);
        return writer.CreateMessage();
    }

    private static MessageBuffer OpenSessionMessage(DBusConnection connection)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Destination, path: ServicePath, @interface: ServiceInterface, member: "OpenSession", signature: "sv");
        writer.WriteString("plain");
        writer.WriteVariantString("");
        return writer.CreateMessage();
    }

    private static MessageBuffer ReadAliasMessage(DBusConnection connection, string alias)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Destination, path: ServicePath, @interface: ServiceInterface, member: "ReadAlias", signature: "s");
        writer.WriteString(alias);
        return writer.CreateMessage();
    }

    private static MessageBuffer UnlockMessage(DBusConnection connection, string collection)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Destination, path: ServicePath, @interface: ServiceInterface, member: "Unlock", signature: "ao");
        writer.WriteArray(new[] { new ObjectPath(collection) });
        return writer.CreateMessage();
    }

    private static MessageBuffer GetPropertyMessage(DBusConnection connection, string path, string @interface, string property)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Destination, path: path, @interface: "org.freedesktop.DBus.Properties", member: "Get", signature: "ss");
        writer.WriteString(@interface);
        writer.WriteString(property);
        return writer.CreateMessage();
    }

    private static MessageBuffer SearchItemsMessage(DBusConnection connection, string collection, string service, string? account)
    {
        var writer = connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(destination: Destination, path: collection, @interface: CollectionInterface, member: "SearchItems", signature: "a{ss}");
            WriteAttributes(ref writer, service, account);
            return writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static MessageBuffer GetSecretMessage(DBusConnection connection, string item, string session)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Destination, path: item, @interface: ItemInterface, member: "GetSecret", signature: "o");
        writer.WriteObjectPath(session);
        return writer.CreateMessage();
    }

    private static MessageBuffer CreateItemMessage(DBusConnection connection, string collection, string session, SecretKey key, ReadOnlySpan<byte> secret)
    {
        var writer = connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(destination: Destination, path: collection, @interface: CollectionInterface, member: "CreateItem", signature: "a{sv}(oayays)b");
            var properties = writer.WriteDictionaryStart();
            writer.WriteDictionaryEntryStart();
            writer.WriteString("org.freedesktop.Secret.Item.Label");
            writer.WriteVariantString($"{key.Service}: {key.Account}");
            writer.WriteDictionaryEntryStart();
            writer.WriteString("org.freedesktop.Secret.Item.Attributes");
            writer.WriteSignature("a{ss}");
            WriteAttributes(ref writer, key.Service, key.Account);
            writer.WriteDictionaryEnd(properties);

            // The secret: (session, parameters, value, content type); "plain" sessions have no parameters.
            writer.WriteStructureStart();
            writer.WriteObjectPath(session);
            writer.WriteArray(ReadOnlySpan<byte>.Empty);
            writer.WriteArray(secret);
            writer.WriteString("application/octet-stream");

            writer.WriteBool(true); // replace an item with the same attributes
            return writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static void WriteAttributes(ref MessageWriter writer, string service, string? account)
    {
        var attributes = writer.WriteDictionaryStart();
        writer.WriteDictionaryEntryStart();
        writer.WriteString("xdg:schema");
        writer.WriteString(Schema);
        writer.WriteDictionaryEntryStart();
        writer.WriteString("service");
        writer.WriteString(service);
        if (account is not null)
        {
            writer.WriteDictionaryEntryStart();
            writer.WriteString("account");
            writer.WriteString(account);
        }

        writer.WriteDictionaryEnd(attributes);
    }

    private static byte[] ReadSecretValue(Message message)
    {
        var reader = message.GetBodyReader();
        reader.AlignStruct();
        reader.ReadObjectPathAsString();
        reader.ReadArrayOfByte();
        return reader.ReadArrayOfByte();
    }

    private static Dictionary<string, string> ReadAttributes(Message message)
    {
        var reader = message.GetBodyReader();
        reader.ReadSignature("a{ss}");
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var end = reader.ReadDictionaryStart();
        while (reader.HasNext(end))
        {
            reader.AlignStruct();
            var name = reader.ReadString();
            attributes[name] = reader.ReadString();
        }

        return attributes;
    }
}
