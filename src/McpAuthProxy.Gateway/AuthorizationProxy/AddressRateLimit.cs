using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>
/// So many requests per minute from one client (a fixed window, no queue), for the front's endpoints that create
/// something: registrations, pending sign-ins, fetched client metadata documents. A client is its IPv4 address, or its
/// IPv6 /64 (one host commonly holds a whole /64, so single IPv6 addresses would be free for the taking). A refused
/// request should get 429 with <c>Retry-After: 60</c>.
/// </summary>
internal sealed class AddressRateLimit(int perMinute) : IDisposable
{
    /// <summary>The party a request counts for: its IPv4 address, or the /64 of its IPv6 address.</summary>
    public static string PartyOf(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));

    /// <summary>Takes one permit for the request's address; false (and the address, for the log) when none is left.</summary>
    public bool TryAcquire(HttpContext context, out string address)
    {
        address = PartyOf(context);
        using var lease = _limiter.AttemptAcquire(address);
        if (!lease.IsAcquired)
        {
            context.Response.Headers.RetryAfter = "60";
            return false;
        }

        return true;
    }

    public void Dispose() => _limiter.Dispose();
}
