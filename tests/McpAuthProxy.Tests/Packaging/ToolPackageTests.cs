using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Xml.Linq;
using McpAuthProxy.Testing;

namespace McpAuthProxy.Tests.Packaging;

/// <summary>
/// The dotnet tool package: packed from this build's output (<c>--no-build</c>, so no restore, no network and no AOT
/// compile), installed with <c>dotnet tool install --tool-path</c> from that folder only, and run.
/// </summary>
/// <remarks>
/// The shipped pointer package names one package per RID; the native AOT ones take minutes to compile, so the install
/// test narrows the pointer to the framework-dependent <c>any</c> package, which takes seconds. The pointer's own
/// RID list is checked by reading the real pointer package.
/// </remarks>
public sealed class ToolPackageTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("mcp-auth-proxy-tool-");

    private static string Project => Path.Combine(RepoPaths.Root, "src", "McpAuthProxy", "McpAuthProxy.csproj");

    /// <summary>Release or Debug: the configuration these tests were built with, which the proxy was built with too.</summary>
    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The dotnet root of the runtime running the tests (the apphost of an installed tool needs it).</summary>
    private static string DotnetRoot => Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

    /// <summary>The version the proxy was built with (Version in Directory.Build.props), e.g. 0.1.0.</summary>
    private static string Version => System.Reflection.AssemblyName.GetAssemblyName(RepoPaths.ProxyDll).Version!.ToString(3);

    private static string Dotnet
    {
        get
        {
            var beside = Path.Combine(DotnetRoot, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            return File.Exists(beside) ? beside : "dotnet";
        }
    }

    [Fact]
    public async Task Installed_tool_prints_the_version_and_the_help()
    {
        var packages = Path.Combine(_temp.FullName, "packages");
        await RunAsync(Dotnet, ["pack", Project, "-c", Configuration, "--no-build", "-nologo", "-o", packages, "-p:ToolPackageRuntimeIdentifiers=any"]);
        await RunAsync(Dotnet, ["pack", Project, "-c", Configuration, "--no-build", "-nologo", "-o", packages, "-r", "any", "-p:AppendRuntimeIdentifierToOutputPath=false", "-p:ToolPackageRuntimeIdentifiers=any", $"-p:PublishDir={Path.Combine(_temp.FullName, "publish")}/"]);
        Assert.True(File.Exists(Path.Combine(packages, $"mcp-auth-proxy.{Version}.nupkg")), "no pointer package");
        Assert.True(File.Exists(Path.Combine(packages, $"mcp-auth-proxy.any.{Version}.nupkg")), "no any package");

        var config = Path.Combine(_temp.FullName, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{packages}" />
              </packageSources>
            </configuration>
            """, Ct);
        var tools = Path.Combine(_temp.FullName, "tools");
        var install = await RunAsync(Dotnet, ["tool", "install", "mcp-auth-proxy", "--tool-path", tools, "--configfile", config, "--version", Version], isolatedPackages: true);
        Assert.Contains("mcp-auth-proxy", install);

        var tool = Path.Combine(tools, OperatingSystem.IsWindows() ? "mcp-auth-proxy.exe" : "mcp-auth-proxy");
        var version = await RunAsync(tool, ["--version"]);
        var help = await RunAsync(tool, ["--help"]);

        Assert.StartsWith(Version + "+", version.Trim() + "+", StringComparison.Ordinal);
        Assert.Contains("Usage:", help, StringComparison.Ordinal);
        Assert.Contains("mcp-auth-proxy [options] <URL>", help, StringComparison.Ordinal);
        Assert.Contains("gateway", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pointer_package_names_the_native_packages_and_carries_the_metadata()
    {
        var packages = Path.Combine(_temp.FullName, "packages");
        await RunAsync(Dotnet, ["pack", Project, "-c", Configuration, "--no-build", "-nologo", "-o", packages]);

        using var package = ZipFile.OpenRead(Path.Combine(packages, $"mcp-auth-proxy.{Version}.nupkg"));
        var settings = XDocument.Load(package.GetEntry("tools/any/any/DotnetToolSettings.xml")!.Open());
        var nuspec = XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Meta(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

        Assert.Equal("mcp-auth-proxy", settings.Descendants("Command").Single().Attribute("Name")!.Value);
        string[] rids = ["linux-x64", "linux-arm64", "osx-x64", "osx-arm64", "win-x64", "any"];
        Assert.Equal(
            rids,
            settings.Descendants("RuntimeIdentifierPackage").Select(p => p.Attribute("RuntimeIdentifier")!.Value));
        Assert.All(settings.Descendants("RuntimeIdentifierPackage"), p => Assert.Equal("mcp-auth-proxy." + p.Attribute("RuntimeIdentifier")!.Value, p.Attribute("Id")!.Value));
        Assert.Equal("mcp-auth-proxy", Meta("id"));
        Assert.Equal(Version, Meta("version"));
        Assert.Equal("MIT", Meta("license"));
        Assert.Equal("README.md", Meta("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Meta("description")));
        Assert.NotNull(package.GetEntry("README.md"));
        Assert.Contains("DotnetTool", nuspec.ToString(), StringComparison.Ordinal);
    }

    private async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, bool isolatedPackages = false)
    {
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_ROOT"] = DotnetRoot,
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false",
            // A pack from inside `dotnet test` must not join that build's MSBuild nodes.
            ["MSBUILDNOINPROCNODE"] = null,
            ["MSBuildExtensionsPath"] = null,
            ["MSBuildSDKsPath"] = null,
            ["MSBUILD_EXE_PATH"] = null,
        };
        if (isolatedPackages)
        {
            // The tool package goes to a folder of this test, never to the machine's global package folder, where a
            // stale 0.1.0 from an earlier run would be taken instead of the one just packed.
            environment["NUGET_PACKAGES"] = Path.Combine(_temp.FullName, "nuget-packages");
        }

        var argumentList = arguments.ToList();
        output.WriteLine($"> {fileName} {string.Join(' ', argumentList)}");
        await using var process = ChildProcess.Start(fileName, argumentList, environment, workingDirectory: _temp.FullName);
        var code = await process.WaitForExitAsync(Ct, Limit);
        var stdout = string.Join('\n', process.StdoutLines);
        output.WriteLine(stdout);
        output.WriteLine(process.Stderr);
        Assert.True(code == 0, $"{Path.GetFileName(fileName)} {string.Join(' ', argumentList)} exited {code}:\n{stdout}\n{process.Stderr}");
        return stdout;
    }

    public void Dispose()
    {
        try
        {
            _temp.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
