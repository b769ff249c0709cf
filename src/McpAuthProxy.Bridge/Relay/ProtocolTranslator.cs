using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Bridge.Relay;

/// <summary>What to do with one client message: send <see cref="Forward"/> on, or answer with <see cref="Local"/>; neither drops it.</summary>
internal readonly record struct Translation(JsonRpcMessage? Forward, JsonRpcMessage? Local);

/// <summary>
/// Bridges the two protocol eras where the client and the server speak different ones. 2025-era (initialize,
/// sessions) and 2026-07-28 (stateless: <c>server/discover</c>, <c>_meta</c> on every request). The HTTP transport adds
/// the headers the newer wire needs (MCP-Protocol-Version, Mcp-Method, Mcp-Name) from each message.
/// </summary>
internal sealed class ProtocolTranslator
{
    public const string ModernVersion = "2026-07-28";
    public const string LegacyVersion = "2025-11-25";
    private const string ProtocolVersionKey = "io.modelcontextprotocol/protocolVersion";
    private const string CapabilitiesKey = "io.modelcontextprotocol/clientCapabilities";
    private const string ClientInfoKey = "io.modelcontextprotocol/clientInfo";
    private const string ServerInfoKey = "io.modelcontextprotocol/serverInfo";
    private const string LogLevelKey = "io.modelcontextprotocol/logLevel";
    private static readonly string[] LegacyVersions = ["2024-11-05", "2025-03-26", "2025-06-18", LegacyVersion];
    private const string Complete = "complete";
    private static readonly RequestId Placeholder = new("mcp-auth-proxy");

    /// <summary>The methods whose 2026-07-28 results carry <c>cacheScope</c> and <c>ttlMs</c>.</summary>
    private static readonly HashSet<string> CacheableMethods = ["tools/list", "prompts/list", "resources/list", "resources/templates/list", "resources/read", RequestMethods.ServerDiscover];

    private Mode _mode;
    private JsonObject? _clientMeta;
    private JsonObject? _discovery;
    private string? _clientVersion;
    private JsonObject? _discoveryForModernClient;
    private JsonObject? _initializedByBridge;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<RequestId, string> _legacyMethods = new();

    private enum Mode
    {
        Undecided,
        SameEra,
        ModernServer,
        ModernServerLegacyClient,
        LegacyServerModernClient,
    }

    public bool Decided => _mode != Mode.Undecided;

    /// <summary>The server keeps no sessions, so a new connection needs no new introduction.</summary>
    public bool ServerIsStateless => _mode is Mode.ModernServer or Mode.ModernServerLegacyClient;

    /// <summary>The initialize the bridge sent for a 2026-era client, to replay after a reconnection.</summary>
    public JsonRpcRequest? SynthesizedInitialize { get; private set; }

    public string Describe => _mode switch
    {
        Mode.ModernServerLegacyClient => $"the server speaks only {ModernVersion}, the client {_clientVersion}: translating",
        Mode.LegacyServerModernClient => $"the client speaks {ModernVersion}, the server {LegacyVersion} or earlier: translating",
        Mode.ModernServer => $"client and server speak {ModernVersion}",
        _ => "client and server speak the same protocol era",
    };

    /// <summary>The <c>server/discover</c> parameters that ask the server about itself on this client's behalf.</summary>
    public JsonNode DiscoverParams(JsonRpcRequest opening)
    {
        if (opening.Method == RequestMethods.ServerDiscover)
        {
            return opening.Params?.DeepClone() ?? new JsonObject();
        }

        var parameters = opening.Params as JsonObject;
        var meta = new JsonObject
        {
            [ProtocolVersionKey] = ModernVersion,
            [CapabilitiesKey] = parameters?["capabilities"] is JsonObject capabilities ? capabilities.DeepClone() : new JsonObject(),
        };
        SetIfObject(meta, ClientInfoKey, parameters?["clientInfo"]);
        return new JsonObject { ["_meta"] = meta };
    }

    public static bool IsModernDiscovery(JsonRpcMessage answer) =>
        answer is JsonRpcResponse { Result: JsonObject result }
        && result["supportedVersions"] is JsonArray versions
        && versions.Any(v => v is JsonValue value && value.TryGetValue(out string? version) && string.CompareOrdinal(version, "2026-01-01") >= 0);

    /// <summary>
    /// The server refused the request for its protocol version (-32022) while listing <see cref="ModernVersion"/> as one
    /// it supports: asking again is the answer it expects.
    /// </summary>
    public static bool IsRefusedVersionWeSpeak(JsonRpcMessage answer) =>
        answer is JsonRpcError { Error: { Code: (int)ModelContextProtocol.McpErrorCode.UnsupportedProtocolVersion, Data: var data } }
        && (data switch { JsonObject o => o, System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Object } e => JsonNode.Parse(e.GetRawText()) as JsonObject, _ => null }) is { } details
        && details["supported"] is JsonArray supported
        && supported.Any(v => v is JsonValue value && value.TryGetValue(out string? version) && version == ModernVersion);

    /// <summary>The server answered <c>server/discover</c>: a 2026-era server. Returns the answer to the client's opening request.</summary>
    public JsonRpcMessage AdoptModernServer(JsonRpcRequest opening, JsonObject discovery)
    {
        _discovery = discovery;
        if (opening.Method != RequestMethods.Initialize)
        {
            _mode = Mode.ModernServer;
            return new JsonRpcResponse { Id = Placeholder, Result = discovery.DeepClone() };
        }

        _mode = Mode.ModernServerLegacyClient;
        _clientMeta = (JsonObject)DiscoverParams(opening)["_meta"]!;
        _clientVersion = (opening.Params as JsonObject)?["protocolVersion"]?.GetValue<string>();
        return InitializeAnswer();
    }

    public void AdoptLegacyServer() => _mode = Mode.SameEra;

    /// <summary>The initialize to send a 2025-era server for a 2026-era client's <c>server/discover</c>.</summary>
    public JsonRpcRequest InitializeFor(JsonRpcRequest discover)
    {
        var meta = (discover.Params as JsonObject)?["_meta"] as JsonObject;
        return new JsonRpcRequest
        {
            Id = Placeholder,
            Method = RequestMethods.Initialize,
            Params = new JsonObject
            {
                ["protocolVersion"] = LegacyVersion,
                ["capabilities"] = meta?[CapabilitiesKey]?.DeepClone() ?? new JsonObject(),
                ["clientInfo"] = meta?[ClientInfoKey]?.DeepClone() ?? new JsonObject { ["name"] = "mcp-auth-proxy", ["version"] = "1" },
            },
        };
    }

    /// <summary>The 2025-era server accepted our initialize: answer the client's <c>server/discover</c> from it.</summary>
    public JsonRpcMessage AdoptLegacyServerForModernClient(JsonRpcRequest initialize, JsonObject initialized)
    {
        _mode = Mode.LegacyServerModernClient;
        SynthesizedInitialize = initialize;
        _initializedByBridge = initialized;
        _discoveryForModernClient = new JsonObject
        {
            ["resultType"] = Complete,
            ["supportedVersions"] = new JsonArray(ModernVersion),
            ["capabilities"] = initialized["capabilities"] is JsonObject capabilities ? capabilities.DeepClone() : new JsonObject(),
            ["cacheScope"] = "private",
            ["ttlMs"] = 0,
        };
        SetIfString(_discoveryForModernClient, "instructions", initialized["instructions"]);
        if (initialized["serverInfo"] is JsonObject serverInfo)
        {
            _discoveryForModernClient["_meta"] = new JsonObject { [ServerInfoKey] = serverInfo.DeepClone() };
        }

        return new JsonRpcResponse { Id = Placeholder, Result = _discoveryForModernClient.DeepClone() };
    }

    /// <summary>A repeated opening request, answered from what the bridge already knows.</summary>
    /// <remarks>
    /// Also covers a client that gives up on its <c>server/discover</c> probe (an SDK client waits only a few seconds)
    /// and falls back to <c>initialize</c> while the bridge is already speaking for it: the server is initialized
    /// once, and the client gets that answer.
    /// </remarks>
    public JsonRpcMessage? TryAnswerLocally(JsonRpcRequest opening) => (_mode, opening.Method) switch
    {
        (Mode.ModernServerLegacyClient, RequestMethods.Initialize) => InitializeAnswer(),
        (Mode.ModernServerLegacyClient, RequestMethods.ServerDiscover) => new JsonRpcResponse { Id = Placeholder, Result = _discovery!.DeepClone() },
        (Mode.LegacyServerModernClient, RequestMethods.ServerDiscover) => new JsonRpcResponse { Id = Placeholder, Result = _discoveryForModernClient!.DeepClone() },
        (Mode.LegacyServerModernClient, RequestMethods.Initialize) => new JsonRpcResponse { Id = Placeholder, Result = _initializedByBridge!.DeepClone() },
        _ => null,
    };

    /// <summary>A client message as the server's era needs it.</summary>
    public Translation ToServer(JsonRpcMessage message)
    {
        switch (_mode, message)
        {
            case (Mode.ModernServerLegacyClient or Mode.LegacyServerModernClient, JsonRpcNotification { Method: NotificationMethods.InitializedNotification }):
                // The bridge already introduced the client (or no introduction exists): nothing to send.
                return new(null, null);
            case (Mode.ModernServerLegacyClient, JsonRpcRequest { Method: RequestMethods.Ping }):
                return new(null, Empty());
            case (Mode.ModernServerLegacyClient, JsonRpcRequest { Method: "logging/setLevel", Params: JsonObject p }):
                // 2026-07-28 carries the level in every request's _meta instead.
                SetIfString(_clientMeta!, LogLevelKey, p["level"]);
                return new(null, Empty());
            case (Mode.ModernServerLegacyClient, JsonRpcRequest request):
                var parameters = request.Params?.DeepClone() as JsonObject ?? new JsonObject();
                var meta = parameters["_meta"] as JsonObject ?? new JsonObject();
                foreach (var (key, value) in _clientMeta!)
                {
                    if (value is not null && !meta.ContainsKey(key))
                    {
                        meta[key] = value.DeepClone();
                    }
                }

                parameters["_meta"] = meta;
                return new(new JsonRpcRequest { Id = request.Id, Method = request.Method, Params = parameters }, null);
            case (Mode.LegacyServerModernClient, JsonRpcRequest { Params: JsonObject p2 } request) when p2["_meta"] is JsonObject:
                _legacyMethods[request.Id] = request.Method;
                // The session's negotiated version, not the client's, goes in the header: drop the per-request keys.
                var stripped = (JsonObject)p2.DeepClone();
                var strippedMeta = (JsonObject)stripped["_meta"]!;
                foreach (var key in (ReadOnlySpan<string>)[ProtocolVersionKey, CapabilitiesKey, ClientInfoKey, LogLevelKey])
                {
                    strippedMeta.Remove(key);
                }

                if (strippedMeta.Count == 0)
                {
                    stripped.Remove("_meta");
                }

                return new(new JsonRpcRequest { Id = request.Id, Method = request.Method, Params = stripped }, null);
            case (Mode.LegacyServerModernClient, JsonRpcRequest request):
                _legacyMethods[request.Id] = request.Method;
                return new(message, null);
            default:
                return new(message, null);
        }
    }

    /// <summary>A server message as the client's era needs it; what has no counterpart becomes a clear error.</summary>
    public JsonRpcMessage ToClient(JsonRpcMessage message)
    {
        if (_mode == Mode.LegacyServerModernClient && message is JsonRpcMessageWithId { Id: var answered } && _legacyMethods.TryRemove(answered, out var method)
            && message is JsonRpcResponse { Result: JsonObject legacy } legacyResponse)
        {
            return new JsonRpcResponse { Id = legacyResponse.Id, Result = ModernResult(method, legacy) };
        }

        if (_mode == Mode.ModernServerLegacyClient
            && message is JsonRpcResponse { Result: JsonObject result } response
            && result["resultType"] is JsonValue type && type.TryGetValue(out string? kind) && kind == "input_required")
        {
            return new JsonRpcError
            {
                Id = response.Id,
                Error = new JsonRpcErrorDetail
                {
                    Code = RelayErrors.NotTranslatable,
                    Message = $"The server needs more input from the client to finish (an input_required result, protocol {ModernVersion}); a client speaking {_clientVersion} cannot give it through this bridge. Use a client that speaks {ModernVersion}.",
                },
            };
        }

        return message;
    }

    private JsonRpcResponse InitializeAnswer()
    {
        var discovery = _discovery!;
        var serverInfo = (discovery["_meta"] as JsonObject)?[ServerInfoKey] as JsonObject ?? discovery["serverInfo"] as JsonObject;
        var version = _clientVersion is not null && LegacyVersions.Contains(_clientVersion) ? _clientVersion : LegacyVersion;
        var result = new JsonObject
        {
            ["protocolVersion"] = version,
            ["capabilities"] = discovery["capabilities"] is JsonObject capabilities ? capabilities.DeepClone() : new JsonObject(),
            ["serverInfo"] = serverInfo is { } info && info["name"] is JsonValue && info["version"] is JsonValue
                ? info.DeepClone()
                : new JsonObject { ["name"] = (string?)(serverInfo?["name"] as JsonValue) ?? "mcp-server", ["version"] = "unknown" },
        };
        SetIfString(result, "instructions", discovery["instructions"]);
        return new JsonRpcResponse { Id = Placeholder, Result = result };
    }

    /// <summary>
    /// A 2025-era result as 2026-07-28 requires it: every result says <c>resultType</c>, and the results a client may
    /// cache say for how long (not at all: the 2025-era server gave no hint) and for whom (this user only).
    /// </summary>
    private static JsonObject ModernResult(string method, JsonObject legacy)
    {
        var result = (JsonObject)legacy.DeepClone();
        if (!result.ContainsKey("resultType"))
        {
            result["resultType"] = Complete;
        }

        if (CacheableMethods.Contains(method))
        {
            if (!result.ContainsKey("cacheScope"))
            {
                result["cacheScope"] = "private";
            }

            if (!result.ContainsKey("ttlMs"))
            {
                result["ttlMs"] = 0;
            }
        }

        return result;
    }

    /// <summary>Copies an optional string member only where the source has one: an absent field stays absent, never null.</summary>
    private static void SetIfString(JsonObject target, string name, JsonNode? value)
    {
        if (value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String)
        {
            target[name] = v.DeepClone();
        }
    }

    /// <summary>Copies an optional object member only where the source has one.</summary>
    private static void SetIfObject(JsonObject target, string name, JsonNode? value)
    {
        if (value is JsonObject o)
        {
            target[name] = o.DeepClone();
        }
    }

    private static JsonRpcResponse Empty() => new() { Id = Placeholder, Result = new JsonObject() };
}
