using System.Net;
using System.Net.Sockets;

namespace McpAuthProxy.OAuth.Network;

/// <summary>
/// <c>NO_PROXY</c> as curl and Go read it, which is more than .NET's own reading: entries separated by commas or
/// spaces, any case; <c>*</c> alone bypasses every host; <c>example.com</c>, <c>.example.com</c> and
/// <c>*.example.com</c> each match example.com and every name under it; an IP address matches itself
/// (<c>::1</c> or <c>[::1]</c>); a CIDR block (<c>10.0.0.0/8</c>, <c>fd00::/8</c>) matches the addresses in it; and
/// <c>host:port</c> matches that host on that port only. Names are not resolved: a CIDR block matches hosts written as
/// addresses.
/// </summary>
public sealed class NoProxyList
{
    private readonly List<Entry> _entries = [];

    private NoProxyList(bool all) => BypassesAll = all;

    public static NoProxyList Empty { get; } = new(false);

    /// <summary>Whether the list is <c>*</c>: no request uses the proxy.</summary>
    public bool BypassesAll { get; }

    public static NoProxyList Parse(string? value)
    {
        var items = (value ?? "").Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Contains("*"))
        {
            return new NoProxyList(true);
        }

        var list = new NoProxyList(false);
        foreach (var item in items)
        {
            if (Entry.TryParse(item) is { } entry)
            {
                list._entries.Add(entry);
            }
        }

        return list;
    }

    /// <summary>Whether a request to <paramref name="uri"/> goes direct.</summary>
    public bool Matches(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (BypassesAll)
        {
            return true;
        }

        var host = uri.IdnHost.TrimEnd('.');
        var address = IPAddress.TryParse(host.Trim('[', ']'), out var parsed) ? parsed : null;
        return _entries.Any(entry => entry.Matches(host, address, uri.Port));
    }

    private sealed record Entry(string? Domain, IPAddress? Address, int PrefixLength, int? Port)
    {
        public static Entry? TryParse(string item)
        {
            int? port = null;
            var host = item;

            // [v6]:port, [v6], host:port; a bare IPv6 address has several colons and no port.
            if (host.StartsWith('['))
            {
                var close = host.IndexOf(']', StringComparison.Ordinal);
                if (close < 0)
                {
                    return null;
                }

                if (host.Length > close + 1)
                {
                    if (host[close + 1] != ':' || !int.TryParse(host.AsSpan(close + 2), out var p))
                    {
                        return null;
                    }

                    port = p;
                }

                host = host[1..close];
            }
            else if (host.Count(c => c == ':') == 1)
            {
                var colon = host.IndexOf(':', StringComparison.Ordinal);
                if (!int.TryParse(host.AsSpan(colon + 1), out var p))
                {
                    return null;
                }

                port = p;
                host = host[..colon];
            }

            var slash = host.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                return IPAddress.TryParse(host[..slash], out var network) && int.TryParse(host.AsSpan(slash + 1), out var prefix)
                    && prefix >= 0 && prefix <= (network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
                    ? new Entry(null, network, prefix, port)
                    : null;
            }

            if (IPAddress.TryParse(host, out var address))
            {
                return new Entry(null, address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128, port);
            }

            var domain = host.TrimStart('*').TrimStart('.').TrimEnd('.');
            if (domain.Length == 0)
            {
                return null;
            }

            // Compare as the request's Uri.IdnHost is: punycode, lower case.
            var ascii = Uri.TryCreate("http://" + domain + "/", UriKind.Absolute, out var parsed) ? parsed.IdnHost : domain;
            return new Entry(ascii.ToLowerInvariant(), null, 0, port);
        }

        public bool Matches(string host, IPAddress? address, int port)
        {
            if (Port is { } only && only != port)
            {
                return false;
            }

            if (Domain is not null)
            {
                return address is null
                    && (host.Equals(Domain, StringComparison.OrdinalIgnoreCase)
                        || (host.Length > Domain.Length && host.EndsWith(Domain, StringComparison.OrdinalIgnoreCase) && host[^(Domain.Length + 1)] == '.'));
            }

            return address is not null && InNetwork(address, Address!, PrefixLength);
        }

        private static bool InNetwork(IPAddress address, IPAddress network, int prefixLength)
        {
            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }

            if (address.AddressFamily != network.AddressFamily)
            {
                return false;
            }

            Span<byte> a = stackalloc byte[16];
            Span<byte> n = stackalloc byte[16];
            address.TryWriteBytes(a, out var length);
            network.TryWriteBytes(n, out _);
            for (var bit = 0; bit < prefixLength && bit < length * 8; bit += 8)
            {
                var bits = Math.Min(8, prefixLength - bit);
                var mask = (byte)(0xFF << (8 - bits));
                if ((a[bit / 8] & mask) != (n[bit / 8] & mask))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
