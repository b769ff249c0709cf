using Microsoft.Extensions.Hosting;

namespace McpAuthProxy.Gateway.Upstreams.Stdio;

internal sealed class StdioUpstream : IMcpUpstream, IHostedService
{
    public Task ForwardAsync(McpCall call) => throw new NotImplementedException();

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
