using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace McpAuthProxy.OAuth.Secrets.Keychain;

/// <summary>
/// The SecItem calls of macOS's Security framework, with the CoreFoundation plumbing they need (CFString, CFData,
/// CFDictionary). Every CF object made here is released here; the framework's constants are read once from its exports.
/// </summary>
[SupportedOSPlatform("macos")]
internal static unsafe partial class SecurityFramework
{
    private const string CoreFoundationLibrary = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation";
    private const string SecurityLibrary = "/System/Library/Frameworks/Security.framework/Security";
    private const uint Utf8 = 0x08000100; // kCFStringEncodingUTF8

    private static readonly Lazy<Constants> s_constants = new(Constants.Load);

    /// <summary>The status of a harmless query for <paramref name="service"/>: 0 or not-found mean the keychain answers.</summary>
    public static int Probe(string service)
    {
        var c = s_constants.Value;
        using var query = Query(service, null);
        query.Set(c.ReturnAttributes, c.True);
        query.Set(c.MatchLimit, c.MatchLimitOne);
        var status = SecItemCopyMatching(query.Handle, out var result);
        Release(result);
        return status;
    }

    public static byte[]? Find(string service, string account)
    {
        var c = s_constants.Value;
        using var query = Query(service, account);
        query.Set(c.ReturnData, c.True);
        query.Set(c.MatchLimit, c.MatchLimitOne);
        var status = SecItemCopyMatching(query.Handle, out var data);
        try
        {
            return status switch
            {
                KeychainStatus.Success => Bytes(data),
                KeychainStatus.ItemNotFound => null,
                _ => throw Failure(status),
            };
        }
        finally
        {
            Release(data);
        }
    }

    public static void Upsert(string service, string account, ReadOnlySpan<byte> secret)
    {
        var c = s_constants.Value;
        using var query = Query(service, account);
        using var value = new CfObject(Data(secret));
        using var update = new CfDictionary();
        update.Set(c.ValueData, value.Handle);
        var status = SecItemUpdate(query.Handle, update.Handle);
        if (status == KeychainStatus.ItemNotFound)
        {
            query.Set(c.ValueData, value.Handle);
            status = SecItemAdd(query.Handle, IntPtr.Zero);
        }

        if (status != KeychainStatus.Success)
        {
            throw Failure(status);
        }
    }

    public static bool Delete(string service, string account)
    {
        using var query = Query(service, account);
        var status = SecItemDelete(query.Handle);
        return status switch
        {
            KeychainStatus.Success => true,
            KeychainStatus.ItemNotFound => false,
            _ => throw Failure(status),
        };
    }

    public static List<string> Accounts(string service)
    {
        var c = s_constants.Value;
        using var query = Query(service, null);
        query.Set(c.ReturnAttributes, c.True);
        query.Set(c.MatchLimit, c.MatchLimitAll);
        var status = SecItemCopyMatching(query.Handle, out var array);
        try
        {
            if (status == KeychainStatus.ItemNotFound)
            {
                return [];
            }

            if (status != KeychainStatus.Success)
            {
                throw Failure(status);
            }

            var accounts = new List<string>();
            for (nint i = 0, n = CFArrayGetCount(array); i < n; i++)
            {
                var attributes = CFArrayGetValueAtIndex(array, i);
                if (String(CFDictionaryGetValue(attributes, c.AttrAccount)) is { } account)
                {
                    accounts.Add(account);
                }
            }

            return accounts;
        }
        finally
        {
            Release(array);
        }
    }

    /// <summary>The system's text for <paramref name="status"/>.</summary>
    public static string? Message(int status)
    {
        var text = SecCopyErrorMessageString(status, IntPtr.Zero);
        try
        {
            return String(text);
        }
        finally
        {
            Release(text);
        }
    }

    private static SecretStoreException Failure(int status) => new(KeychainStatus.Describe(status, Message(status)));

    private static CfDictionary Query(string service, string? account)
    {
        var c = s_constants.Value;
        var query = new CfDictionary();
        query.Set(c.Class, c.ClassGenericPassword);
        query.SetOwned(c.AttrService, CfString(service));
        if (account is not null)
        {
            query.SetOwned(c.AttrAccount, CfString(account));
        }

        return query;
    }

    private static IntPtr CfString(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        fixed (byte* p = bytes)
        {
            return CFStringCreateWithBytes(IntPtr.Zero, p, bytes.Length, Utf8, false);
        }
    }

    private static IntPtr Data(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            return CFDataCreate(IntPtr.Zero, p, bytes.Length);
        }
    }

    private static byte[] Bytes(IntPtr data) => new ReadOnlySpan<byte>(CFDataGetBytePtr(data), checked((int)CFDataGetLength(data))).ToArray();

    private static string? String(IntPtr cfString)
    {
        if (cfString == IntPtr.Zero)
        {
            return null;
        }

        var length = CFStringGetLength(cfString);
        var chars = new char[length];
        fixed (char* p = chars)
        {
            CFStringGetCharacters(cfString, new CfRange(0, length), p);
        }

        return new string(chars);
    }

    private static void Release(IntPtr cf)
    {
        if (cf != IntPtr.Zero)
        {
            CFRelease(cf);
        }
    }

    private sealed class CfObject(IntPtr handle) : IDisposable
    {
        public IntPtr Handle { get; } = handle;

        public void Dispose() => Release(Handle);
    }

    /// <summary>A mutable CFDictionary with CFType callbacks (it retains what it holds); keys it owns are released with it.</summary>
    private sealed class CfDictionary : IDisposable
    {
        private readonly List<IntPtr> _owned = [];

        public CfDictionary() =>
            Handle = CFDictionaryCreateMutable(IntPtr.Zero, 0, s_constants.Value.KeyCallBacks, s_constants.Value.ValueCallBacks);

        public IntPtr Handle { get; }

        public void Set(IntPtr key, IntPtr value) => CFDictionarySetValue(Handle, key, value);

        public void SetOwned(IntPtr key, IntPtr value)
        {
            _owned.Add(value);
            Set(key, value);
        }

        public void Dispose()
        {
            Release(Handle);
            _owned.ForEach(Release);
        }
    }

    private sealed record Constants(
        IntPtr Class, IntPtr ClassGenericPassword, IntPtr AttrService, IntPtr AttrAccount, IntPtr ValueData,
        IntPtr ReturnData, IntPtr ReturnAttributes, IntPtr MatchLimit, IntPtr MatchLimitOne, IntPtr MatchLimitAll,
        IntPtr True, IntPtr KeyCallBacks, IntPtr ValueCallBacks)
    {
        public static Constants Load()
        {
            var security = NativeLibrary.Load(SecurityLibrary);
            var cf = NativeLibrary.Load(CoreFoundationLibrary);
            IntPtr Value(IntPtr library, string name) => Marshal.ReadIntPtr(NativeLibrary.GetExport(library, name));
            return new Constants(
                Value(security, "kSecClass"), Value(security, "kSecClassGenericPassword"), Value(security, "kSecAttrService"),
                Value(security, "kSecAttrAccount"), Value(security, "kSecValueData"), Value(security, "kSecReturnData"),
                Value(security, "kSecReturnAttributes"), Value(security, "kSecMatchLimit"), Value(security, "kSecMatchLimitOne"),
                Value(security, "kSecMatchLimitAll"), Value(cf, "kCFBooleanTrue"),
                NativeLibrary.GetExport(cf, "kCFTypeDictionaryKeyCallBacks"), NativeLibrary.GetExport(cf, "kCFTypeDictionaryValueCallBacks"));
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct CfRange(nint Location, nint Length);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial IntPtr CFStringCreateWithBytes(IntPtr allocator, byte* bytes, nint length, uint encoding, [MarshalAs(UnmanagedType.U1)] bool isExternalRepresentation);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial nint CFStringGetLength(IntPtr value);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial void CFStringGetCharacters(IntPtr value, CfRange range, char* buffer);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial IntPtr CFDataCreate(IntPtr allocator, byte* bytes, nint length);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial nint CFDataGetLength(IntPtr data);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial byte* CFDataGetBytePtr(IntPtr data);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial IntPtr CFDictionaryCreateMutable(IntPtr allocator, nint capacity, IntPtr keyCallBacks, IntPtr valueCallBacks);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial void CFDictionarySetValue(IntPtr dictionary, IntPtr key, IntPtr value);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial IntPtr CFDictionaryGetValue(IntPtr dictionary, IntPtr key);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial nint CFArrayGetCount(IntPtr array);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial IntPtr CFArrayGetValueAtIndex(IntPtr array, nint index);

    [LibraryImport(CoreFoundationLibrary)]
    private static partial void CFRelease(IntPtr value);

    [LibraryImport(SecurityLibrary)]
    private static partial int SecItemAdd(IntPtr attributes, IntPtr result);

    [LibraryImport(SecurityLibrary)]
    private static partial int SecItemCopyMatching(IntPtr query, out IntPtr result);

    [LibraryImport(SecurityLibrary)]
    private static partial int SecItemUpdate(IntPtr query, IntPtr attributesToUpdate);

    [LibraryImport(SecurityLibrary)]
    private static partial int SecItemDelete(IntPtr query);

    [LibraryImport(SecurityLibrary)]
    private static partial IntPtr SecCopyErrorMessageString(int status, IntPtr reserved);
}
