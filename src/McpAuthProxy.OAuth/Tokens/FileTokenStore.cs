using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using McpAuthProxy.OAuth.Json;
using McpAuthProxy.OAuth.Registration;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.OAuth.Tokens;

/// <summary>
/// Token files under <c>~/.mcp/authful_mcp_proxy/tokens/</c>, named as the Rust authful-mcp-proxy names them
/// (<c>auth.example.com_realms_myrealm_tokens.json</c>). Files are 0600 in a 0700 folder, written to a temporary
/// file and renamed into place, and guarded across processes by a lock file beside them.
/// </summary>
public sealed partial class FileTokenStore : ITokenStore
{
    /// <summary>
    /// The longest file name written: 255 bytes is the limit of ext4, APFS and NTFS; the margin leaves room for the
    /// temporary and lock suffixes (<c>.tmp-PID-GUID</c>, <c>.lock</c>, <c>.corrupt-TIME</c>).
    /// </summary>
    public const int MaxFileNameLength = 180;

    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    public FileTokenStore(string directory, TimeProvider clock, ILogger<FileTokenStore> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = directory;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The folder that holds the token files.</summary>
    public string Directory { get; }

    /// <summary><c>~/.mcp/authful_mcp_proxy/tokens</c>, where authful-mcp-proxy keeps its tokens.</summary>
    public static string DefaultDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".mcp", "authful_mcp_proxy", "tokens");

    /// <summary>
    /// The Rust version's name: scheme dropped, '/' and ':' replaced by '_', then <c>_tokens.json</c>. A name that
    /// would be longer than <see cref="MaxFileNameLength"/> keeps its start (the host, so it stays recognizable) and
    /// ends in 16 hex digits of the key's SHA-256, so that two long keys never share a file.
    /// </summary>
    public static string FileNameFor(string issuer) => FileNameFor(issuer, "_tokens.json");

    private static string FileNameFor(string key, string suffix)
    {
        var name = key;
        foreach (var prefix in (ReadOnlySpan<string>)["https://", "http://"])
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                name = name[prefix.Length..];
                break;
            }
        }

        var sb = new StringBuilder(name.Length + suffix.Length);
        foreach (var c in name)
        {
            // Windows refuses these too, and a name must not depend on the OS it was written on.
            sb.Append(c is '/' or ':' or '\\' or '*' or '?' or '"' or '<' or '>' or '|' || char.IsControl(c) ? '_' : c);
        }

        if (Encoding.UTF8.GetByteCount(sb.ToString()) + suffix.Length > MaxFileNameLength)
        {
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 8));
            var keep = sb.ToString();
            // Cut by UTF-8 bytes, never inside a surrogate pair.
            while (Encoding.UTF8.GetByteCount(keep) + 1 + hash.Length + suffix.Length > MaxFileNameLength)
            {
                keep = keep[..(char.IsLowSurrogate(keep[^1]) && keep.Length > 1 ? keep.Length - 2 : keep.Length - 1)];
            }

            sb.Clear().Append(keep).Append('_').Append(hash);
        }

        return sb.Append(suffix).ToString();
    }

    public string PathFor(string issuer) => Path.Combine(Directory, FileNameFor(issuer));

    private string ClientPathFor(string issuer) => Path.Combine(Directory, FileNameFor(issuer, "_client.json"));

    string ITokenStore.Location => Directory;

    string ITokenStore.Describe(string key) => PathFor(key);

    /// <summary>The cached token for <paramref name="issuer"/>, or null. A file that cannot be parsed is moved aside.</summary>
    public CachedToken? Read(string issuer)
    {
        var token = ReadJson(PathFor(issuer), OAuthJsonContext.Default.CachedToken);
        if (token is { IsLegacy: true })
        {
            LogLegacy(Fingerprint(issuer));
        }

        return token;
    }

    public void Write(string issuer, CachedToken token) => WriteJson(PathFor(issuer), token, OAuthJsonContext.Default.CachedToken);

    /// <summary>Removes the cached token; returns whether there was one.</summary>
    public bool Delete(string issuer)
    {
        var path = PathFor(issuer);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>A dynamically registered client, kept per issuer and never offered to another one.</summary>
    public ClientRegistration? ReadClient(string issuer)
    {
        var client = ReadJson(ClientPathFor(issuer), OAuthJsonContext.Default.ClientRegistration);
        return client is not null && string.Equals(client.Issuer, issuer, StringComparison.Ordinal) ? client : null;
    }

    public void WriteClient(string issuer, ClientRegistration client) =>
        WriteJson(ClientPathFor(issuer), client with { Issuer = issuer }, OAuthJsonContext.Default.ClientRegistration);

    /// <summary>Removes the registered client's file; returns whether there was one.</summary>
    public bool DeleteClient(string issuer)
    {
        var path = ClientPathFor(issuer);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>All token files in the folder, for <c>status</c>.</summary>
    public IEnumerable<(string Path, CachedToken? Token)> ReadAll()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            yield break;
        }

        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*_tokens.json").Order(StringComparer.Ordinal))
        {
            yield return (path, ReadJson(path, OAuthJsonContext.Default.CachedToken));
        }
    }

    /// <summary>
    /// Takes the cross-process lock for <paramref name="issuer"/>: an exclusive lock on a file beside the token
    /// file, polled until it is free. Hold it across read, refresh or sign-in, and write.
    /// </summary>
    public async Task<IDisposable> LockAsync(string issuer, CancellationToken cancellationToken)
    {
        EnsureDirectory();
        var path = PathFor(issuer) + ".lock";
        var logged = false;
        while (true)
        {
            try
            {
                return new FileStream(path, PrivateFileOptions(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose));
            }
            catch (IOException) when (!cancellationToken.IsCancellationRequested)
            {
                if (!logged)
                {
                    LogWaitingForLock(path);
                    logged = true;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), _clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private T? ReadJson<T>(string path, JsonTypeInfo<T> type) where T : class
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, type) ?? throw new JsonException("null");
        }
        catch (JsonException)
        {
            var aside = $"{path}.corrupt-{_clock.GetUtcNow():yyyyMMddHHmmss}";
            try
            {
                File.Move(path, aside, overwrite: true);
            }
            catch (IOException)
            {
                aside = path;
            }

            LogCorrupt(path, aside);
            return null;
        }
    }

    private void WriteJson<T>(string path, T value, JsonTypeInfo<T> type)
    {
        EnsureDirectory();
        var temp = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(temp, PrivateFileOptions(FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None)))
            {
                JsonSerializer.Serialize(stream, value, type);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        LogStored(path);
    }

    private void EnsureDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
            return;
        }

        System.IO.Directory.CreateDirectory(Directory, PrivateFolder);
        File.SetUnixFileMode(Directory, PrivateFolder);
    }

    private static FileStreamOptions PrivateFileOptions(FileMode mode, FileAccess access, FileShare share, FileOptions options)
    {
        var result = new FileStreamOptions { Mode = mode, Access = access, Share = share, Options = options };
        if (!OperatingSystem.IsWindows())
        {
            result.UnixCreateMode = PrivateFile;
        }

        return result;
    }

    private static string Fingerprint(string value) => Diagnostics.Fingerprint.Of(value);
}
