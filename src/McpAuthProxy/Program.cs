using System.CommandLine;
using McpAuthProxy.Commands;

// Parse, then hand off: every command lives in Commands/ and calls into a library.
var root = Cli.Build();
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // Errors go to stderr only: in bridge mode stdout belongs to JSON-RPC.
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine($"mcp-auth-proxy: {error.Message}");
    }

    Console.Error.WriteLine("Run 'mcp-auth-proxy --help' for the options.");
    return 1;
}

return await parse.InvokeAsync(new InvocationConfiguration
{
    ProcessTerminationTimeout = TimeSpan.FromSeconds(5),
}).ConfigureAwait(false);
