namespace McpAuthProxy.Gateway.Tests.Infrastructure;

internal static class TestTimeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);
}
