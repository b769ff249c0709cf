using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.Upstreams.Stdio;

internal sealed partial class SharedStdioProcess
{
    [LoggerMessage(Diagnostics.EventIds.StdioSharedStarted, LogLevel.Information, "Started '{Command}' as the shared MCP server process (start {Start}, protocol {ProtocolVersion}).")]
    private partial void LogStarted(string command, int start, string protocolVersion);

    [LoggerMessage(Diagnostics.EventIds.StdioSharedExited, LogLevel.Warning, "The shared MCP server process exited; {InFlight} in-flight requests fail.")]
    private partial void LogExited(int inFlight);

    [LoggerMessage(Diagnostics.EventIds.StdioSharedRestarting, LogLevel.Warning, "Restarting the shared MCP server process (attempt {Attempt}) in {DelayMs} ms.")]
    private partial void LogRestarting(int attempt, double delayMs);

    [LoggerMessage(Diagnostics.EventIds.StdioSharedFailed, LogLevel.Warning, "Shared MCP server process: {Reason}")]
    private partial void LogFailed(string reason);

    [LoggerMessage(Diagnostics.EventIds.StdioSharedServerRequestRefused, LogLevel.Warning, "Refused the shared MCP server's '{Method}' request: {Sessions} sessions have requests in flight, not exactly one.")]
    private partial void LogServerRequestRefused(string method, int sessions);

    [LoggerMessage(Diagnostics.EventIds.StdioSharedForeignAnswer, LogLevel.Warning, "Dropped an answer from MCP session {Session} to request {Id}, which the shared process did not send that session.")]
    private partial void LogForeignAnswerDropped(string session, string id);

    [LoggerMessage(Diagnostics.EventIds.StdioStderr, LogLevel.Debug, "[shared stderr] {Line}")]
    private partial void LogProcessStderr(string line);
}
