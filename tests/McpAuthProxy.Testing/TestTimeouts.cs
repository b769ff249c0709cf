namespace McpAuthProxy.Testing;

/// <summary>The one bound every wait in a test lives under.</summary>
public static class TestTimeouts
{
    public static TimeSpan Default { get; } = TimeSpan.FromSeconds(Debugger() ? 600 : 45);

    private static bool Debugger() => System.Diagnostics.Debugger.IsAttached;
}
