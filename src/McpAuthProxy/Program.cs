using McpAuthProxy.Commands;

// Parse, then hand off: every command lives in Commands/ and calls into a library. Errors go to stderr only: in bridge
// mode stdout belongs to JSON-RPC.
return await Cli.RunAsync(args, Console.Out, Console.Error, handleSignals: true, CancellationToken.None).ConfigureAwait(false);
