using System.Globalization;
using System.Net;

namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>
/// The <c>diagnostics:</c> section: the separate listener for Prometheus's <c>/metrics</c>, <c>/healthz</c> and
/// <c>/readyz</c>, never the public port. On by default at <c>127.0.0.1:9464</c>; <c>listen: off</c> turns it off.
/// </summary>
internal sealed record DiagnosticsOptions
{
    public static IPEndPoint DefaultListen { get; } = new(IPAddress.Loopback, 9464);

    /// <summary><c>diagnostics.listen</c>; null when off.</summary>
    public IPEndPoint? Listen { get; init; } = DefaultListen;

    /// <summary>
    /// Reads a <c>diagnostics.listen</c> value: <c>HOST:PORT</c> with an IP address or <c>localhost</c> (e.g.
    /// <c>127.0.0.1:9464</c>, <c>0.0.0.0:9464</c>, <c>[::1]:9464</c>), or <c>off</c>. Returns false with the fix in
    /// <paramref name="error"/> otherwise.
    /// </summary>
    public static bool TryParseListen(string? value, out IPEndPoint? listen, out string? error)
    {
        listen = null;
        error = null;
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text) || text is "off" or "false" or "none")
        {
            return true;
        }

        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(text, UriKind.Absolute, out var url))
        {
            text = url.Authority;
        }

        var colon = text.LastIndexOf(':');
        if (colon > 0
            && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535)
        {
            var host = text[..colon].Trim('[', ']');
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                listen = new IPEndPoint(IPAddress.Loopback, port);
                return true;
            }

            if (IPAddress.TryParse(host, out var address))
            {
                listen = new IPEndPoint(address, port);
                return true;
            }
        }

        error = $"diagnostics.listen '{value}' is not HOST:PORT with an IP address; write e.g. 127.0.0.1:9464 (this machine only), 0.0.0.0:9464 (every interface, for a Prometheus elsewhere) or off";
        return false;
    }
}
