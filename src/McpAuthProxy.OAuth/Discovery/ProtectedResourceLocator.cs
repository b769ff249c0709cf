using System.Net;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.OAuth.Discovery;

/// <summary>
/// Finds an MCP server's protected resource metadata (RFC 9728) as the MCP authorization specification orders it:
/// the challenge's <c>resource_metadata</c>, else <c>/.well-known/oauth-protected-resource{path}</c>, else the same at
/// the root; and checks that the metadata is about this server.
/// </summary>
public sealed class ProtectedResourceLocator(MetadataClient metadata)
{
    /// <summary>The server's metadata, or null where it publishes none (a 2025-03-26 server).</summary>
    public async Task<ProtectedResourceMetadata?> FindAsync(Uri server, BearerChallenge? challenge, CancellationToken cancellationToken)
    {
        ProtectedResourceMetadata? found = null;
        if (challenge?.ResourceMetadata is { } named && Uri.TryCreate(named, UriKind.Absolute, out var location))
        {
            found = await metadata.GetProtectedResourceAsync(location, cancellationToken).ConfigureAwait(false);
        }

        if (found is null)
        {
            foreach (var candidate in WellKnown(server))
            {
                if ((found = await metadata.GetProtectedResourceAsync(candidate, cancellationToken).ConfigureAwait(false)) is not null)
                {
                    break;
                }
            }
        }

        if (found?.Resource is { } resource)
        {
            EnsureAbout(resource, server);
        }

        return found;
    }

    /// <summary>The well-known locations, path-inserted first.</summary>
    public static IEnumerable<Uri> WellKnown(Uri server)
    {
        var origin = server.GetLeftPart(UriPartial.Authority);
        var path = server.AbsolutePath.TrimEnd('/');
        if (path.Length > 0)
        {
            yield return new Uri($"{origin}/.well-known/oauth-protected-resource{path}");
        }

        yield return new Uri($"{origin}/.well-known/oauth-protected-resource");
    }

    /// <summary>
    /// The metadata's <c>resource</c> must name this server (the same URL, or a prefix of its path); a token for another
    /// resource is never asked for. A difference only in how loopback is spelled gets a message that says which to use.
    /// </summary>
    public static void EnsureAbout(string resource, Uri server)
    {
        if (SameResource(resource, server))
        {
            return;
        }

        if (Uri.TryCreate(resource, UriKind.Absolute, out var named) && IsLoopbackSpelling(named, server))
        {
            var spelled = new UriBuilder(server) { Host = named.Host }.Uri;
            throw new OAuthException($"The MCP server calls itself {resource}, but the bridge was given {server}: the same machine spelled another way ({named.Host} vs {server.Host}). Use the server's spelling: {spelled.AbsoluteUri}");
        }

        throw new OAuthException($"The MCP server's protected resource metadata names resource {resource}, not {server}; refusing to get a token for another resource. Check the server URL, or the server's configuration.");
    }

    public static bool SameResource(string named, Uri server) =>
        string.Equals(named.TrimEnd('/'), server.AbsoluteUri.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)
        || server.AbsoluteUri.StartsWith(named.TrimEnd('/') + "/", StringComparison.OrdinalIgnoreCase);

    private static bool IsLoopbackSpelling(Uri named, Uri server)
    {
        if (!IsLoopbackHost(named.Host) || !IsLoopbackHost(server.Host) || string.Equals(named.Host, server.Host, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var respelled = new UriBuilder(server) { Host = named.Host }.Uri;
        return SameResource(named.AbsoluteUri, respelled) || SameResource(named.OriginalString, respelled);
    }

    private static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
