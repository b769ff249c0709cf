using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Logging;

/// <summary>
/// One line per event on stderr, like authful-mcp-proxy's: <c>2026-11-23T06:00:00.000Z [info] message</c>.
/// stdout is never touched: in bridge mode it carries JSON-RPC alone.
/// </summary>
internal sealed class StderrLoggerProvider(TextWriter writer, LogLevel minimum) : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, Logger> _loggers = new();
    private readonly Lock _write = new();

    public LogLevel Minimum { get; } = minimum;

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, name => new Logger(this, name));

    public void Dispose()
    {
    }

    /// <summary>Writes a line whatever the log level: what the user must see (a sign-in URL).</summary>
    public void WriteLine(string line)
    {
        lock (_write)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "critical",
    };

    private sealed class Logger(StderrLoggerProvider provider, string category) : ILogger
    {
        // The SDK's own chatter stays below our info level: its transports log every request at Information.
        private readonly LogLevel _floor = category.StartsWith("ModelContextProtocol", StringComparison.Ordinal) || category.StartsWith("Microsoft", StringComparison.Ordinal)
            ? (provider.Minimum <= LogLevel.Debug ? provider.Minimum : LogLevel.Warning)
            : provider.Minimum;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _floor && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            if (exception is not null && _floor <= LogLevel.Debug)
            {
                message += $" ({exception.GetType().Name}: {exception.Message})";
            }

            var source = _floor <= LogLevel.Debug ? $" [{category}]" : "";
            provider.WriteLine($"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} [{Level(logLevel)}]{source} {message}");
        }
    }
}
