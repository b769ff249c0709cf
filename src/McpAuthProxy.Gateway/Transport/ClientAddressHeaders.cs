using System.Net;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Gateway.Transport;

/// <summary>
/// Headers that tell an upstream who the client is (<c>X-Forwarded-*</c>, <c>Forwarded</c>, <c>X-Real-IP</c> and their
/// kin). A client can write them itself and make an upstream that trusts them believe any address, host or scheme; so
/// they reach the upstream only when the gateway's immediate peer is one of <c>trusted_proxies</c> (which wrote them).
/// </summary>
internal static class ClientAddressHeaders
{
    private const string PeerKey = "mcp-auth-proxy.peer";

    private static readonly string[] Named =
        ["Forwarded", "X-Real-IP", "True-Client-IP", "X-Client-IP", "X-Cluster-Client-IP", "CF-Connecting-IP", "Fastly-Client-IP"];

    /// <summary>Remembers the connection's own peer, before the forwarded-headers middleware replaces it with the client.</summary>
    public static void MarkPeer(HttpContext context) => context.Items[PeerKey] = context.Connection.RemoteIpAddress;

    /// <summary>True when the connection came from a trusted proxy.</summary>
    public static bool FromTrustedProxy(HttpContext context, IReadOnlyList<IPNetwork> trusted)
    {
        if (trusted.Count == 0 || (context.Items.TryGetValue(PeerKey, out var value) ? value : context.Connection.RemoteIpAddress) is not IPAddress peer)
        {
            return false;
        }

        if (peer.IsIPv4MappedToIPv6)
        {
            peer = peer.MapToIPv4();
        }

        return trusted.Any(network => network.Contains(peer));
    }

    /// <summary>Removes every such header from a request going upstream.</summary>
    public static void Strip(HttpRequestMessage request)
    {
        foreach (var name in request.Headers.Select(h => h.Key).ToList())
        {
            if (name.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase) || name.StartsWith("X-Original-", StringComparison.OrdinalIgnoreCase)
                || Named.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                request.Headers.Remove(name);
            }
        }
    }
}
