using System.ComponentModel;
using System.Diagnostics;

namespace McpAuthProxy.OAuth.Authorization;

/// <summary>
/// Opens a URL in the user's browser without a shell: each candidate program gets the URL as one argument.
/// <c>$BROWSER</c> is honoured as xdg-open does (a colon-separated list; <c>%s</c> is replaced by the URL).
/// </summary>
public static class BrowserLauncher
{
    /// <summary>Tries each launcher in turn; returns false when none could be started.</summary>
    public static bool TryOpen(Uri url, out string? failure)
    {
        AuthorizationUrl.EnsureSafe(url);
        failure = null;
        foreach (var (program, arguments) in Candidates(url.AbsoluteUri))
        {
            try
            {
                var start = new ProcessStartInfo(program)
                {
                    UseShellExecute = false,
                    RedirectStandardInput = true,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                foreach (var argument in arguments)
                {
                    start.ArgumentList.Add(argument);
                }

                var process = Process.Start(start);
                if (process is null)
                {
                    continue;
                }

                // A browser must never write into our stdio: its output is drained and dropped.
                process.StandardInput.Close();
                _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
                _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
                _ = process.WaitForExitAsync().ContinueWith(_ => process.Dispose(), TaskScheduler.Default);
                return true;
            }
            catch (Exception e) when (e is Win32Exception or InvalidOperationException or FileNotFoundException)
            {
                failure = $"{program}: {e.Message}";
            }
        }

        failure ??= "no browser launcher found";
        return false;
    }

    internal static IEnumerable<(string Program, string[] Arguments)> Candidates(string url)
    {
        var browser = Environment.GetEnvironmentVariable("BROWSER");
        if (!string.IsNullOrWhiteSpace(browser))
        {
            foreach (var entry in browser.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = entry.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var arguments = parts.Skip(1).Select(p => p.Replace("%s", url, StringComparison.Ordinal)).ToList();
                if (!entry.Contains("%s", StringComparison.Ordinal))
                {
                    arguments.Add(url);
                }

                yield return (parts[0], arguments.ToArray());
            }
        }

        if (OperatingSystem.IsWindows())
        {
            yield return ("rundll32", ["url.dll,FileProtocolHandler", url]);
        }
        else if (OperatingSystem.IsMacOS())
        {
            yield return ("open", [url]);
        }
        else
        {
            yield return ("xdg-open", [url]);
            yield return ("wslview", [url]);
        }
    }
}
