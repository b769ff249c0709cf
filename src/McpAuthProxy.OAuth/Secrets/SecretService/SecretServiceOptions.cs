namespace McpAuthProxy.OAuth.Secrets.SecretService;

/// <summary>How to reach the Secret Service (org.freedesktop.secrets) on the D-Bus session bus.</summary>
public sealed record SecretServiceOptions
{
    /// <summary>
    /// The session bus's D-Bus address; null for <c>DBUS_SESSION_BUS_ADDRESS</c>, else <c>$XDG_RUNTIME_DIR/bus</c>
    /// where that socket exists (systemd's user bus).
    /// </summary>
    public string? BusAddress { get; init; }

    /// <summary>How long one D-Bus call may take before the store counts as not answering.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The session bus address from the environment, as <see cref="BusAddress"/> describes; null when there is none.</summary>
    internal static string? SessionBusAddress(Func<string, string?> environment, Func<string, bool> socketExists)
    {
        if (environment("DBUS_SESSION_BUS_ADDRESS") is { Length: > 0 } address)
        {
            return address;
        }

        return environment("XDG_RUNTIME_DIR") is { Length: > 0 } runtime && Path.Combine(runtime, "bus") is var socket && socketExists(socket)
            ? "unix:path=" + socket
            : null;
    }
}
