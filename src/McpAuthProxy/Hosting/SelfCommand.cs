namespace McpAuthProxy.Hosting;

/// <summary>How to start this executable again: the gateway spawns its sample server so, and the demo prints it for desktop clients.</summary>
internal static class SelfCommand
{
    private const string Name = "mcp-auth-proxy";

    /// <summary>
    /// The argument list that runs this very executable, without a shell: the native file or apphost, or
    /// <c>dotnet mcp-auth-proxy.dll</c> when the dotnet host runs it.
    /// </summary>
    public static IReadOnlyList<string> Direct()
    {
        var process = Environment.ProcessPath ?? Name;
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? [process, Path.Combine(AppContext.BaseDirectory, Name + ".dll")]
            : [process];
    }

    /// <summary>
    /// What a user writes as a desktop client's <c>"command"</c> (and the arguments before the server URL) on this
    /// machine: <c>mcp-auth-proxy</c> where that name runs this installation (a dotnet tool, a file on PATH),
    /// <c>dnx mcp-auth-proxy --</c> when dnx runs it, else this build by absolute paths, which work from any folder.
    /// </summary>
    public static IReadOnlyList<string> ForDesktopClients()
    {
        var direct = Direct();
        var file = Path.GetFullPath(direct[0]);
        var onPath = FindOnPath();
        if (onPath is not null && (SameFile(onPath, file) || file.Contains($"{Path.DirectorySeparatorChar}.store{Path.DirectorySeparatorChar}{Name}", StringComparison.OrdinalIgnoreCase)))
        {
            return [Name];
        }

        if (file.Contains($"{Path.DirectorySeparatorChar}packages{Path.DirectorySeparatorChar}{Name}", StringComparison.OrdinalIgnoreCase)
            && file.Contains(".nuget", StringComparison.OrdinalIgnoreCase))
        {
            return ["dnx", Name, "--"];
        }

        // A framework-dependent build (dotnet run from a clone, dotnet mcp-auth-proxy.dll): the dotnet host and the dll by
        // their full paths, which work from any folder and with any PATH (the apphost beside the dll would need DOTNET_ROOT
        // where .NET is installed outside the default location).
        var dll = Path.Combine(AppContext.BaseDirectory, Name + ".dll");
        if (File.Exists(dll) && DotnetHost() is { } host)
        {
            return [host, dll];
        }

        return [file];
    }

    /// <summary>The dotnet executable of the runtime this process runs on, e.g. /usr/share/dotnet/dotnet.</summary>
    private static string? DotnetHost()
    {
        if (Environment.ProcessPath is { } process && Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            return process;
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/
        var root = new DirectoryInfo(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory()).Parent?.Parent?.Parent;
        var host = root is null ? null : Path.Combine(root.FullName, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return host is not null && File.Exists(host) ? host : null;
    }

    private static string? FindOnPath()
    {
        var fileName = OperatingSystem.IsWindows() ? Name + ".exe" : Name;
        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, fileName))
            .FirstOrDefault(File.Exists);
    }

    private static bool SameFile(string a, string b)
    {
        try
        {
            static string Resolve(string path) => new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
            return string.Equals(Resolve(a), Resolve(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
