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
    // Longer than the gateway's default shutdown grace (10 s), so streams in flight may finish.
    ProcessTerminationTimeout = TimeSpan.FromSeconds(15),
}).ConfigureAwait(false);
