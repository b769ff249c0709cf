using System.CommandLine;
using McpAuthProxy.Commands;

// Parse, then hand off: every command lives in Commands/ and calls into a library.
var root = Cli.Build();
return await root.Parse(args).InvokeAsync(new InvocationConfiguration
{
    ProcessTerminationTimeout = TimeSpan.FromSeconds(5),
}).ConfigureAwait(false);
