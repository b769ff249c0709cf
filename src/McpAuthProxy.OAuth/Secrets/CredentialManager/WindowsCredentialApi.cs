using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace McpAuthProxy.OAuth.Secrets.CredentialManager;

/// <summary>advapi32's CredReadW, CredWriteW, CredDeleteW and CredEnumerateW for generic credentials. Windows only.</summary>
[SupportedOSPlatform("windows")]
internal sealed partial class WindowsCredentialApi : ICredentialApi
{
    private const int CredTypeGeneric = 1;
    private const int CredPersistLocalMachine = 2;
    private const int ErrorNotFound = 1168;

    public unsafe byte[]? Read(string target)
    {
        if (!CredReadW(target, CredTypeGeneric, 0, out var handle))
        {
            return Marshal.GetLastPInvokeError() == ErrorNotFound ? null : throw Failure("read", target);
        }

        try
        {
            var credential = *(Credential*)handle;
            var blob = new byte[credential.CredentialBlobSize];
            if (blob.Length > 0)
            {
                Marshal.Copy(credential.CredentialBlob, blob, 0, blob.Length);
            }

            return blob;
        }
        finally
        {
            CredFree(handle);
        }
    }

    public unsafe void Write(string target, string? userName, ReadOnlySpan<byte> blob)
    {
        var targetName = Marshal.StringToCoTaskMemUni(target);
        var user = userName is null ? IntPtr.Zero : Marshal.StringToCoTaskMemUni(userName);
        try
        {
            fixed (byte* data = blob)
            {
                var credential = new Credential
                {
                    Type = CredTypeGeneric,
                    TargetName = targetName,
                    CredentialBlobSize = blob.Length,
                    CredentialBlob = (IntPtr)data,
                    Persist = CredPersistLocalMachine,
                    UserName = user,
                };
                if (!CredWriteW(in credential, 0))
                {
                    throw Failure("write", target);
                }
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem(targetName);
            Marshal.FreeCoTaskMem(user);
        }
    }

    public bool Delete(string target) =>
        CredDeleteW(target, CredTypeGeneric, 0) || (Marshal.GetLastPInvokeError() == ErrorNotFound ? false : throw Failure("delete", target));

    public unsafe IReadOnlyList<string> Enumerate(string filter)
    {
        if (!CredEnumerateW(filter, 0, out var count, out var list))
        {
            return Marshal.GetLastPInvokeError() == ErrorNotFound ? [] : throw Failure("list", filter);
        }

        try
        {
            var targets = new List<string>(count);
            for (var i = 0; i < count; i++)
            {
                var credential = *((Credential**)list)[i];
                if (credential.Type == CredTypeGeneric && Marshal.PtrToStringUni(credential.TargetName) is { } target)
                {
                    targets.Add(target);
                }
            }

            return targets;
        }
        finally
        {
            CredFree(list);
        }
    }

    private static SecretStoreException Failure(string operation, string target)
    {
        var error = Marshal.GetLastPInvokeError();
        return new SecretStoreException($"The Windows Credential Manager could not {operation} {target}: {new Win32Exception(error).Message} (error {error}).");
    }

    /// <summary>CREDENTIALW.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Credential
    {
        public int Flags;
        public int Type;
        public IntPtr TargetName;
        public IntPtr Comment;
        public int LastWrittenLow;
        public int LastWrittenHigh;
        public int CredentialBlobSize;
        public IntPtr CredentialBlob;
        public int Persist;
        public int AttributeCount;
        public IntPtr Attributes;
        public IntPtr TargetAlias;
        public IntPtr UserName;
    }

    [LibraryImport("advapi32.dll", EntryPoint = "CredReadW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CredReadW(string target, int type, int flags, out IntPtr credential);

    [LibraryImport("advapi32.dll", EntryPoint = "CredWriteW", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CredWriteW(in Credential credential, int flags);

    [LibraryImport("advapi32.dll", EntryPoint = "CredDeleteW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CredDeleteW(string target, int type, int flags);

    [LibraryImport("advapi32.dll", EntryPoint = "CredEnumerateW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CredEnumerateW(string filter, int flags, out int count, out IntPtr credentials);

    [LibraryImport("advapi32.dll", EntryPoint = "CredFree")]
    private static partial void CredFree(IntPtr buffer);
}
