using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using McpAuthProxy.Gateway.Configuration;
using McpAuthProxy.OAuth.Diagnostics;
using Microsoft.Extensions.Logging;

namespace McpAuthProxy.Gateway.AuthorizationProxy;

/// <summary>
/// The MCP clients of the front. A registration (RFC 7591) is not stored: its client id is the registration itself,
/// signed by the gateway, so it stays valid for as long as the key does (across restarts with <c>key_env</c>) and cannot be
/// altered (a changed redirect URI means a new registration). A client id that is an https URL names a Client ID
/// Metadata Document, fetched without redirects, size-capped, never from a private address, and cached for 5 minutes.
/// </summary>
internal sealed partial class ClientRegistry : IDisposable
{
    private const string Prefix = "mcpgw.";
    private const string Purpose = "client";
    private const int MaxDocumentBytes = 5 * 1024;

    private readonly FrontKeys _keys;
    private readonly FrontSettings _front;
    private readonly TimeProvider _time;
    private readonly ILogger<ClientRegistry> _logger;
    private readonly HttpClient _documents;
    private readonly ConcurrentDictionary<string, (RegisteredClient Client, DateTimeOffset Until)> _documentCache = new(StringComparer.Ordinal);

    /// <summary>Documents kept at most (5 minutes each); past it, expired ones go first, and if still full nothing new is kept.</summary>
    public const int DocumentCacheCapacity = 1_000;

    /// <summary>Documents one client address may make the gateway fetch per minute (fetches are outbound requests on its behalf).</summary>
    public const int DocumentFetchesPerMinute = 20;

    private readonly AddressRateLimit _documentFetches = new(DocumentFetchesPerMinute);

    public ClientRegistry(FrontKeys keys, FrontSettings front, bool allowLoopbackDocuments, TimeProvider time, ILogger<ClientRegistry> logger)
    {
        _keys = keys;
        _front = front;
        _time = time;
        _logger = logger;
        AllowLoopbackDocuments = allowLoopbackDocuments;
        _documents = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ConnectCallback = ConnectToPublicAddressAsync,
        })
        {
            Timeout = TimeSpan.FromSeconds(5),
            MaxResponseContentBufferSize = MaxDocumentBytes,
        };
    }

    /// <summary>True on a development gateway (itself on loopback): metadata documents may then be served from loopback over http.</summary>
    public bool AllowLoopbackDocuments { get; }

    /// <summary>Registers a checked RFC 7591 request: its client id is the registration, signed.</summary>
    public Task<RegistrationOutcome> RegisterAsync(RegistrationRequest request, CancellationToken cancellationToken)
    {
        var (name, redirectUris) = (request.ClientName, request.RedirectUris);
        var payload = new MemoryStream();
        using (var writer = new Utf8JsonWriter(payload))
        {
            writer.WriteStartObject();
            if (name is not null)
            {
                writer.WriteString("n", name);
            }

            writer.WriteStartArray("r");
            foreach (var uri in redirectUris)
            {
                writer.WriteStringValue(uri);
            }

            writer.WriteEndArray();
            writer.WriteNumber("t", _time.GetUtcNow().ToUnixTimeSeconds());
            writer.WriteEndObject();
        }

        var client = new RegisteredClient(Prefix + _keys.Sign(Purpose, payload.ToArray()), name, redirectUris, FromMetadataDocument: false);
        LogRegistered(ClientLabel(client), string.Join(' ', redirectUris));
        return Task.FromResult(new RegistrationOutcome(client, null, null));
    }

    /// <summary>The client behind an id: a signed registration, or a metadata document (fetched); null when unknown.</summary>
    public async Task<RegisteredClient?> FindAsync(string? clientId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(clientId))
        {
            return null;
        }

        if (clientId.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return _keys.Verify(Purpose, clientId[Prefix.Length..]) is { } payload ? Decode(clientId, payload) : null;
        }

        return _front.ClientIdMetadataDocuments && IsDocumentUrl(clientId) ? await FetchDocumentAsync(clientId, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>What a log line may say of a client: its name and a short, non-reversible fingerprint of its id.</summary>
    /// <summary>
    /// False when <paramref name="clientId"/> is a metadata document the gateway would have to fetch and the requester has
    /// made it fetch too many already this minute (a 429 then); true otherwise.
    /// </summary>
    public bool MayLookUp(string? clientId, Microsoft.AspNetCore.Http.HttpContext context)
    {
        if (string.IsNullOrEmpty(clientId) || clientId.StartsWith(Prefix, StringComparison.Ordinal) || !_front.ClientIdMetadataDocuments || !IsDocumentUrl(clientId)
            || (_documentCache.TryGetValue(clientId, out var cached) && cached.Until > _time.GetUtcNow()))
        {
            return true;
        }

        if (_documentFetches.TryAcquire(context, out var party))
        {
            return true;
        }

        LogDocumentFetchesLimited(party);
        return false;
    }

    public static string ClientLabel(RegisteredClient client) =>
        $"{client.ClientName ?? "(unnamed)"} [{Fingerprint.Of(client.ClientId)}]";

    private bool IsDocumentUrl(string clientId) =>
        Uri.TryCreate(clientId, UriKind.Absolute, out var uri) && uri.AbsolutePath.Length > 1 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
        && (uri.Scheme == "https" || (AllowLoopbackDocuments && uri.Scheme == "http" && uri.IsLoopback));

    private async Task<RegisteredClient?> FetchDocumentAsync(string url, CancellationToken cancellationToken)
    {
        if (_documentCache.TryGetValue(url, out var cached) && cached.Until > _time.GetUtcNow())
        {
            return cached.Client;
        }

        try
        {
            using var response = await _documents.GetAsync(url, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogDocumentRejected(url, $"HTTP {(int)response.StatusCode}");
                return null;
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            string? problem = root.ValueKind != JsonValueKind.Object ? "not a JSON object"
                : !root.TryGetProperty("client_id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() != url ? "its client_id is not its own URL"
                : root.TryGetProperty("token_endpoint_auth_method", out var method) && method.ValueKind == JsonValueKind.String && method.GetString() != "none"
                    ? $"token_endpoint_auth_method '{method.GetString()}' is not supported here (only none)"
                : null;
            var redirects = StringList(root, "redirect_uris") ?? [];
            problem ??= redirects.Count == 0 ? "it lists no redirect_uris" : redirects.Select(RedirectUriRules.Problem).FirstOrDefault(p => p is not null);
            if (problem is not null)
            {
                LogDocumentRejected(url, problem);
                return null;
            }

            var name = root.TryGetProperty("client_name", out var nameValue) && nameValue.ValueKind == JsonValueKind.String ? RegistrationRequest.CleanName(nameValue.GetString()!) : null;
            var client = new RegisteredClient(url, name, redirects, FromMetadataDocument: true);
            Remember(url, client);
            return client;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            LogDocumentRejected(url, ex.Message);
            return null;
        }
    }

    private void Remember(string url, RegisteredClient client)
    {
        var now = _time.GetUtcNow();
        if (_documentCache.Count >= DocumentCacheCapacity)
        {
            foreach (var (key, entry) in _documentCache)
            {
                if (entry.Until <= now)
                {
                    _documentCache.TryRemove(key, out _);
                }
            }

            if (_documentCache.Count >= DocumentCacheCapacity)
            {
                return;
            }
        }

        _documentCache[url] = (client, now.AddMinutes(5));
    }

    /// <summary>How many documents are cached (tests).</summary>
    public int CachedDocuments => _documentCache.Count;

    private static RegisteredClient? Decode(string clientId, byte[] payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            var name = root.TryGetProperty("n", out var n) ? n.GetString() : null;
            return new RegisteredClient(clientId, name, StringList(root, "r") ?? [], FromMetadataDocument: false);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static List<string>? StringList(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList();
    }

    /// <summary>Connects only to public addresses (or loopback on a development gateway), whatever the name resolves to.</summary>
    private async ValueTask<Stream> ConnectToPublicAddressAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(context.DnsEndPoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
        var allowed = addresses.Where(a => AddressRules.IsPublic(a) || (AllowLoopbackDocuments && IPAddress.IsLoopback(a))).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"{context.DnsEndPoint.Host} resolves to no public address");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _documents.Dispose();
        _documentFetches.Dispose();
    }

    [LoggerMessage(Diagnostics.EventIds.FrontClientRegistered, LogLevel.Information, "Registered MCP client {Client} with redirect URIs {RedirectUris}.")]
    private partial void LogRegistered(string client, string redirectUris);

    [LoggerMessage(Diagnostics.EventIds.FrontDocumentFetchesLimited, LogLevel.Warning, "Refused to fetch another Client ID Metadata Document for {Address}: more than 20 a minute.")]
    private partial void LogDocumentFetchesLimited(string address);

    [LoggerMessage(Diagnostics.EventIds.FrontMetadataDocumentRejected, LogLevel.Warning, "Client ID Metadata Document {Url} refused: {Reason}")]
    private partial void LogDocumentRejected(string url, string reason);
}

/// <summary>A registration: the client, or an RFC 7591 error code and description with the HTTP status to answer.</summary>
internal sealed record RegistrationOutcome(RegisteredClient? Client, string? Error, string? Description, int Status = 400)
{
    public static RegistrationOutcome Fail(string error, string description, int status = 400) => new(null, error, description, status);
}
