namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>Where an MCP request goes: for the upstream span (<c>server.address</c>) and the audit record.</summary>
/// <param name="Kind"><see cref="Http"/> or <see cref="Stdio"/>.</param>
/// <param name="Name">What the audit log names: the upstream URL, or <c>stdio:COMMAND</c>.</param>
internal sealed record UpstreamTarget(string Kind, string Name, string? Address = null, int? Port = null)
{
    public const string Http = "http";
    public const string Stdio = "stdio";

    /// <summary>An HTTP upstream: its URL's host and port are <c>server.address</c> and <c>server.port</c>.</summary>
    public static UpstreamTarget ForHttp(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return new(Http, url.GetLeftPart(UriPartial.Path), url.IdnHost, url.Port);
    }

    /// <summary>A stdio upstream, named by its command (never its arguments or environment, which may hold secrets).</summary>
    public static UpstreamTarget ForStdio(string command) => new(Stdio, "stdio:" + Path.GetFileName(command));
}
