using System.Net;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using McpAuthProxy.OAuth;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Bridge.Relay;

/// <summary>Turns a failure to reach the MCP server into the JSON-RPC error a client shows its user.</summary>
public static partial class RelayErrors
{
    /// <summary>The server could not be reached or failed at the HTTP level.</summary>
    public const int UpstreamUnavailable = -32000;

    /// <summary>Signing in or renewing the token failed, or the server refused our token.</summary>
    public const int AuthorizationFailed = -32001;

    /// <summary>A sign-in is still waiting for the user in the browser.</summary>
    public const int SignInPending = -32002;

    /// <summary>The server answered with something the client's protocol era has no way to express.</summary>
    public const int NotTranslatable = -32003;

    /// <summary>The server's answer was larger than <c>--max-message-size</c>.</summary>
    public const int MessageTooLarge = -32004;

    /// <param name="resourceSent">Whether tokens were asked for with an RFC 8707 <c>resource</c>; where not, a refused
    /// token may carry the wrong audience, and the 401 message says how to ask for the right one.</param>
    public static JsonRpcErrorDetail From(Exception exception, Uri server, bool resourceSent = true)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is Transport.MessageTooLargeException tooLarge)
            {
                return new JsonRpcErrorDetail { Code = MessageTooLarge, Message = tooLarge.Message };
            }
        }

        switch (exception)
        {
            case UnsupportedProtocolVersionException e:
                return new JsonRpcErrorDetail
                {
                    Code = (int)e.ErrorCode,
                    Message = e.Message,
                    Data = new JsonObject
                    {
                        ["supported"] = new JsonArray(e.Supported.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
                        ["requested"] = e.Requested,
                    },
                };
            case McpProtocolException e:
                return new JsonRpcErrorDetail { Code = (int)e.ErrorCode, Message = e.Message };
            case SignInPendingException e:
                return new JsonRpcErrorDetail { Code = SignInPending, Message = e.Message };
            case OAuthException e:
                return new JsonRpcErrorDetail { Code = AuthorizationFailed, Message = "Sign-in failed: " + e.Message };
            case HttpRequestException { StatusCode: HttpStatusCode.Unauthorized }:
                return new JsonRpcErrorDetail
                {
                    Code = AuthorizationFailed,
                    Message = $"The MCP server {server} refused the access token (HTTP 401) even after it was renewed. " + (resourceSent
                        ? "Check that the server trusts your identity provider and client, or forget the cached token (mcp-auth-proxy logout with the issuer or server URL, or --all) and restart."
                        : $"If the server checks the token's audience, add --resource {server.AbsoluteUri} (MCP_PROXY_RESOURCE) so the identity provider issues the token for it; else check that the server trusts your identity provider and client."),
                };
            case HttpRequestException { StatusCode: HttpStatusCode.Forbidden }:
                return new JsonRpcErrorDetail { Code = AuthorizationFailed, Message = $"The MCP server {server} refused the request (HTTP 403): your account or token lacks the permission (scope) it needs." };
            case HttpRequestException { StatusCode: { } status } e:
                return new JsonRpcErrorDetail { Code = UpstreamUnavailable, Message = $"The MCP server {server} answered HTTP {(int)status}: {FirstLine(e.Message)}" };
            case HttpRequestException e:
                return new JsonRpcErrorDetail { Code = UpstreamUnavailable, Message = $"Cannot reach the MCP server {server}: {FirstLine(e.Message)}" };
            case TimeoutException or TaskCanceledException:
                return new JsonRpcErrorDetail { Code = UpstreamUnavailable, Message = $"The MCP server {server} did not answer in time." };
            case { Message: var message } when ResourceMismatch().Match(message) is { Success: true } mismatch:
                // RFC 9728: the server's metadata must name exactly the URL the client was given.
                var named = mismatch.Groups["named"].Value;
                var loopback = Uri.TryCreate(named, UriKind.Absolute, out var namedUri) && namedUri.IsLoopback && server.IsLoopback;
                return new JsonRpcErrorDetail
                {
                    Code = AuthorizationFailed,
                    Message = $"The MCP server {server} names itself {named} in its metadata, and OAuth needs the two to be the same URL"
                        + (loopback ? " (localhost and 127.0.0.1 are different names there)" : "") + $": give the bridge {named}.",
                };
            default:
                return new JsonRpcErrorDetail { Code = UpstreamUnavailable, Message = $"The connection to the MCP server {server} failed: {FirstLine(exception.Message)}" };
        }
    }

    /// <summary>The C# SDK's words when the protected resource metadata names another resource than the server URL.</summary>
    [GeneratedRegex(@"Resource URI in metadata \((?<named>[^)\s]+)\) does not match the expected URI")]
    private static partial Regex ResourceMismatch();

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
