using System.Net;

namespace McpAuthProxy.OAuth.Network;

/// <summary>A proxy: its URL without credentials (safe to print), the variable it came from, and its credentials.</summary>
public sealed record ProxyAddress(Uri Uri, string Variable, NetworkCredential? Credentials)
{
    /// <summary>The proxy's origin and variable, never its credentials.</summary>
    public override string ToString() => $"{Uri.GetLeftPart(UriPartial.Authority)} (from {Variable})";
}
