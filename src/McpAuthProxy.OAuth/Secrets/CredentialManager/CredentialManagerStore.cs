namespace McpAuthProxy.OAuth.Secrets.CredentialManager;

/// <summary>
/// Secrets in the Windows Credential Manager as generic credentials of this user (CredWriteW, persisted on this
/// machine, protected by DPAPI), split over several credentials where a secret exceeds the 2560-byte blob limit
/// (<see cref="CredentialBlob"/>). Only the layout is tested on Linux; the Win32 calls run on Windows alone.
/// </summary>
public sealed class CredentialManagerStore : ISecretStore
{
    private readonly ICredentialApi _api;

    /// <summary>The Credential Manager of this Windows user.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("windows")]
    public CredentialManagerStore() : this(new WindowsCredentialApi()) { }

    internal CredentialManagerStore(ICredentialApi api) => _api = api;

    public string DisplayName => "Windows Credential Manager";

    public ValueTask<SecretStoreAvailability> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            _api.Enumerate(CredentialBlob.Filter("mcp-auth-proxy"));
            return ValueTask.FromResult(SecretStoreAvailability.Usable);
        }
        catch (SecretStoreException e)
        {
            return ValueTask.FromResult(SecretStoreAvailability.NotUsable(e.Message));
        }
    }

    public ValueTask<byte[]?> GetAsync(SecretKey key, CancellationToken cancellationToken)
    {
        if (_api.Read(CredentialBlob.Target(key)) is not { } first)
        {
            return ValueTask.FromResult<byte[]?>(null);
        }

        var count = CredentialBlob.PartCount(first);
        var rest = new List<byte[]>(count - 1);
        for (var i = 1; i < count; i++)
        {
            rest.Add(_api.Read(CredentialBlob.PartTarget(key, i))
                ?? throw new SecretStoreException($"Part {i} of {count} of the Windows credential {CredentialBlob.Target(key)} is missing; sign in again to replace it."));
        }

        return ValueTask.FromResult<byte[]?>(CredentialBlob.Join(first, rest));
    }

    public ValueTask SetAsync(SecretKey key, ReadOnlyMemory<byte> secret, CancellationToken cancellationToken)
    {
        var parts = CredentialBlob.Split(secret.Span);
        // A damaged first credential (no part count) is replaced like any other; its parts are unknown, so kept.
        var previous = _api.Read(CredentialBlob.Target(key)) is { Length: > 0 } old && old[0] > 0 ? old[0] : 1;

        // Parts first, the first credential (with the count) last, then parts the old value had beyond the new count.
        for (var i = 1; i < parts.Count; i++)
        {
            _api.Write(CredentialBlob.PartTarget(key, i), null, parts[i]);
        }

        _api.Write(CredentialBlob.Target(key), key.Account.Length <= CredentialBlob.MaxUserNameLength ? key.Account : null, parts[0]);
        for (var i = parts.Count; i < previous; i++)
        {
            _api.Delete(CredentialBlob.PartTarget(key, i));
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> DeleteAsync(SecretKey key, CancellationToken cancellationToken)
    {
        var target = CredentialBlob.Target(key);
        var count = _api.Read(target) is { } first ? CredentialBlob.PartCount(first) : 0;
        var existed = _api.Delete(target);
        for (var i = 1; i < count; i++)
        {
            _api.Delete(CredentialBlob.PartTarget(key, i));
        }

        return ValueTask.FromResult(existed);
    }

    public ValueTask<IReadOnlyList<string>> ListAsync(string service, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        var accounts = _api.Enumerate(CredentialBlob.Filter(service))
            .Select(target => CredentialBlob.AccountOf(service, target))
            .Order(StringComparer.Ordinal)
            .ToList();
        return ValueTask.FromResult<IReadOnlyList<string>>(accounts);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
