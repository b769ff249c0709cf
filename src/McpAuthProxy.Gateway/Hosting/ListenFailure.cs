namespace McpAuthProxy.Gateway.Hosting;

/// <summary>Why Kestrel could not bind, in words for one line (the caller adds the address it tried and the fix).</summary>
public static class ListenFailure
{
    public static string Describe(IOException exception) =>
        exception.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException
            ? "the address is already in use"
            : exception.Message.TrimEnd('.');
}
