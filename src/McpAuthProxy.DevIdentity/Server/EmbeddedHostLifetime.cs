using Microsoft.Extensions.Hosting;

namespace McpAuthProxy.DevIdentity.Server;

/// <summary>A host lifetime that leaves Ctrl+C and SIGTERM to the process that embeds the server.</summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
