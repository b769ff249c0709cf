using McpAuthProxy.Testing;

namespace McpAuthProxy.Tests.Infrastructure;

/// <summary>One identity provider and protected MCP server for a collection of bridge tests.</summary>
public sealed class StackFixture : IAsyncLifetime
{
    private NodeStack? _stack;

    public NodeStack Stack => _stack ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync() => _stack = await NodeStack.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }
}

[CollectionDefinition(nameof(StackCollection))]
public sealed class StackCollection : ICollectionFixture<StackFixture>;
