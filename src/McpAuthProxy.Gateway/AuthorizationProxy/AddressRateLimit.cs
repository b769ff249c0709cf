using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>
/// So many requests per minute from one client address (a fixed window, no queue), for the front's endpoints that
/// create something: registrations, pending consents. A refused request should get 429 with <c>Retry-After: 60</c>.
/// </summary>
internal sealed class AddressRateLimit(int perMinute) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));

    /// <summary>Takes one permit for the request's address; false (and the address, for the log) when none is left.</summary>
    public bool TryAcquire(HttpContext context, out string address)
    {
        address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
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
