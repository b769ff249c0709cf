using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.Diagnostics;

internal sealed partial class DiagnosticsServer
{
    [LoggerMessage(EventIds.DiagnosticsListening, LogLevel.Information, "diagnostics listening on {Address} (/metrics, /healthz, /readyz)")]
    private partial void LogListening(string address);
}
