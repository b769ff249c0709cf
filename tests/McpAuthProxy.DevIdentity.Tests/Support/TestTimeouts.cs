namespace McpAuthProxy.DevIdentity.Tests.Support;

internal static class TestTimeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);
}
