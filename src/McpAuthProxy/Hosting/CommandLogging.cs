using McpAuthProxy.Logging;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Hosting;

/// <summary>The logger factory of one command run: everything to stderr at the chosen level.</summary>
internal sealed class CommandLogging : IDisposable
{
    private readonly StderrLoggerProvider _provider;

    public CommandLogging(LogLevel level)
    {
        Level = level;
        _provider = new StderrLoggerProvider(Console.Error, level);
        Factory = LoggerFactory.Create(builder =>
        {
            builder.ClearProviders();
            builder.SetMinimumLevel(LogLevel.Trace);
            builder.AddProvider(_provider);
        });
    }

    public LogLevel Level { get; }

    public ILoggerFactory Factory { get; }

    /// <summary>A line the user must see whatever the level (the banner, a sign-in URL).</summary>
    public void Notify(string line) => _provider.WriteLine(line);

    public void Dispose()
    {
        Factory.Dispose();
        _provider.Dispose();
    }
}
