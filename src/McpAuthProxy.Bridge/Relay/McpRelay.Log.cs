using McpAuthProxy.Bridge.Diagnostics;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Bridge.Relay;

public sealed partial class McpRelay
{
    [LoggerMessage(EventIds.Connected, LogLevel.Debug, "Connected to {Server} (connection {Generation}).")]
    private partial void LogConnected(Uri server, int generation);

    [LoggerMessage(EventIds.ConnectFailed, LogLevel.Warning, "Reconnecting to {Server} failed: {Reason}; next attempt in {Seconds:0.##} s.")]
    private partial void LogConnectFailed(Uri server, string reason, double seconds);

    [LoggerMessage(EventIds.UpstreamClosed, LogLevel.Warning, "The connection to {Server} was lost: {Reason}.")]
    private partial void LogUpstreamClosed(Uri server, string reason);

    [LoggerMessage(EventIds.Reconnecting, LogLevel.Information, "Reconnecting to {Server} (attempt {Attempt}).")]
    private partial void LogReconnecting(Uri server, int attempt);

    [LoggerMessage(EventIds.Reconnected, LogLevel.Information, "Reconnected to {Server} after {Attempt} attempt(s).")]
    private partial void LogReconnected(Uri server, int attempt);

    [LoggerMessage(EventIds.RequestFailed, LogLevel.Warning, "Request {Method} #{Id} failed: {Reason}")]
    private partial void LogRequestFailed(string method, string id, string reason);

    [LoggerMessage(EventIds.RequestAnsweredWithError, LogLevel.Debug, "Request {Method} #{Id} answered with an error: {Reason}")]
    private partial void LogRequestAnsweredWithError(string method, string id, string reason);

    [LoggerMessage(EventIds.NotificationFailed, LogLevel.Warning, "Could not deliver {Message}: {Reason}")]
    private partial void LogNotificationFailed(string message, string reason);

    [LoggerMessage(EventIds.DownstreamClosed, LogLevel.Debug, "The client closed its input; finishing requests in flight.")]
    private partial void LogDownstreamClosed();

    [LoggerMessage(EventIds.Era, LogLevel.Information, "Protocol: {Description}.")]
    private partial void LogEra(string description);

    [LoggerMessage(EventIds.MessageUp, LogLevel.Trace, "client -> server: {Message}")]
    private partial void LogMessageUp(string message);

    [LoggerMessage(EventIds.MessageDown, LogLevel.Trace, "server -> client: {Message}")]
    private partial void LogMessageDown(string message);
}
