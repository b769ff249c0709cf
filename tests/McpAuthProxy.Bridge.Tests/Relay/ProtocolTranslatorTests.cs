using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using McpAuthProxy.Bridge.Relay;
using McpAuthProxy.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Bridge.Tests.Relay;

/// <summary>
/// Every message the translator writes, checked against the official schema of the protocol version agreed on the
/// side that reads it: 2025-era answers for a 2025-era client, 2026-07-28 requests for a 2026-era server, and back.
/// </summary>
public sealed class ProtocolTranslatorTests
{
    private const string Legacy = "2025-11-25";
    private const string Modern = "2026-07-28";

    private static readonly JsonObject ModernDiscovery = new()
    {
        ["resultType"] = "complete",
        ["supportedVersions"] = new JsonArray(Modern),
        ["capabilities"] = new JsonObject { ["tools"] = new JsonObject() },
        ["cacheScope"] = "private",
        ["ttlMs"] = 0,
        ["_meta"] = new JsonObject { ["io.modelcontextprotocol/serverInfo"] = new JsonObject { ["name"] = "modern", ["version"] = "1.0.0" } },
    };

    [Fact]
    public void Initialize_answer_from_a_discovery_without_instructions_has_no_instructions_member()
    {
        var translator = new ProtocolTranslator();

        var answer = Json(AnswerTo(1, translator.AdoptModernServer(Initialize(1, Legacy), ModernDiscovery)));

        Assert.False(answer["result"]!.AsObject().ContainsKey("instructions"), answer.ToJsonString());
        AssertValid(Legacy, answer, "initialize");
    }

    [Fact]
    public void Initialize_answer_is_valid_for_every_shape_of_discovery_result()
    {
        // Optional members present, absent, null or of the wrong type: the answer is valid whatever the server sent.
        var optional = Gen.OneOf<JsonNode?>(null, JsonValue.Create("guidance"), JsonValue.Create(3), new JsonObject(), new JsonArray());
        var serverInfo = Gen.OneOf<JsonNode?>(null, new JsonObject { ["name"] = "s", ["version"] = "1" }, new JsonObject { ["name"] = "s" }, new JsonObject(), JsonValue.Create("s"));
        var gen = Gen.Select(optional, serverInfo, optional, Gen.Bool, Gen.Bool, Gen.Bool, Gen.OneOf("2025-03-26", "2025-06-18", Legacy, "2099-01-01"),
            (a, b, c, d, e, f, g) => (Instructions: a, Info: b, Capabilities: c, HasInstructions: d, HasInfo: e, HasCapabilities: f, ClientVersion: g));

        gen.Sample(sample =>
        {
            var (instructions, info, capabilities, hasInstructions, hasInfo, hasCapabilities, clientVersion) = sample;
            var discovery = new JsonObject { ["resultType"] = "complete", ["supportedVersions"] = new JsonArray(Modern), ["cacheScope"] = "private", ["ttlMs"] = 0 };
            if (hasInstructions)
            {
                discovery["instructions"] = instructions?.DeepClone();
            }

            if (hasInfo)
            {
                discovery["_meta"] = new JsonObject { ["io.modelcontextprotocol/serverInfo"] = info?.DeepClone() };
            }

            if (hasCapabilities)
            {
                discovery["capabilities"] = capabilities?.DeepClone();
            }

            var translator = new ProtocolTranslator();
            var answer = Json(AnswerTo(1, translator.AdoptModernServer(Initialize(1, clientVersion), discovery)));
            var agreed = (string)answer["result"]!["protocolVersion"]!;
            var problems = SpecSchemas.Problems(SchemaVersion(agreed), answer, "initialize");
            return problems.Count == 0 && !ContainsNull(answer);
        }, iter: 60, threads: 1);
    }

    [Fact]
    public void Repeated_initialize_and_discover_are_answered_validly_from_what_is_known()
    {
        var translator = new ProtocolTranslator();
        translator.AdoptModernServer(Initialize(1, Legacy), ModernDiscovery);

        AssertValid(Legacy, Json(AnswerTo(2, translator.TryAnswerLocally(Initialize(2, Legacy))!)), "initialize");
        AssertValid(Modern, Json(AnswerTo(3, translator.TryAnswerLocally(Discover(3))!)), "server/discover");
    }

    [Fact]
    public void Discover_asked_for_a_client_without_client_info_is_a_valid_2026_request()
    {
        var translator = new ProtocolTranslator();
        var initialize = new JsonRpcRequest { Id = new RequestId(1), Method = RequestMethods.Initialize, Params = new JsonObject { ["protocolVersion"] = Legacy, ["capabilities"] = new JsonObject() } };

        var discover = Json(new JsonRpcRequest { Id = new RequestId("mcp-auth-proxy-1"), Method = RequestMethods.ServerDiscover, Params = translator.DiscoverParams(initialize) });

        Assert.False(ContainsNull(discover), discover.ToJsonString());
        AssertValid(Modern, discover);
    }

    [Fact]
    public void Requests_of_a_2025_era_client_reach_a_2026_era_server_as_valid_requests()
    {
        var translator = new ProtocolTranslator();
        translator.AdoptModernServer(Initialize(1, Legacy), ModernDiscovery);

        var level = translator.ToServer(Request(2, "logging/setLevel", new JsonObject { ["level"] = "debug" }));
        var call = translator.ToServer(Request(3, "tools/call", new JsonObject { ["name"] = "echo", ["arguments"] = new JsonObject { ["message"] = "hi" } }));
        var list = translator.ToServer(Request(4, "tools/list", null));
        var ping = translator.ToServer(Request(5, "ping", null));

        AssertValid(Legacy, Json(AnswerTo(2, level.Local!)), "logging/setLevel");
        AssertValid(Legacy, Json(AnswerTo(5, ping.Local!)), "ping");
        var sent = Json(call.Forward!);
        Assert.Equal("debug", (string?)sent["params"]!["_meta"]!["io.modelcontextprotocol/logLevel"]);
        AssertValid(Modern, sent);
        AssertValid(Modern, Json(list.Forward!));
        Assert.Null(translator.ToServer(new JsonRpcNotification { Method = NotificationMethods.InitializedNotification }).Forward);
    }

    [Fact]
    public void Input_required_result_reaches_a_2025_era_client_as_a_valid_error()
    {
        var translator = new ProtocolTranslator();
        translator.AdoptModernServer(Initialize(1, Legacy), ModernDiscovery);

        var answer = Json(translator.ToClient(new JsonRpcResponse { Id = new RequestId(7), Result = new JsonObject { ["resultType"] = "input_required", ["requestState"] = "s" } }));

        Assert.Equal(RelayErrors.NotTranslatable, (int)answer["error"]!["code"]!);
        AssertValid(Legacy, answer);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Discovery_answer_built_from_a_2025_era_server_is_a_valid_2026_result(bool serverSaysEverything)
    {
        var translator = new ProtocolTranslator();
        var discover = Discover(1);
        var initialize = translator.InitializeFor(discover);
        var initialized = new JsonObject { ["protocolVersion"] = Legacy, ["capabilities"] = new JsonObject { ["tools"] = new JsonObject { ["listChanged"] = true } } };
        if (serverSaysEverything)
        {
            initialized["serverInfo"] = new JsonObject { ["name"] = "legacy", ["version"] = "2.0" };
            initialized["instructions"] = "Use the tools.";
        }

        var answer = Json(AnswerTo(1, translator.AdoptLegacyServerForModernClient(initialize, initialized)));

        AssertValid(Legacy, Json(new JsonRpcRequest { Id = new RequestId("mcp-auth-proxy-1"), Method = initialize.Method, Params = initialize.Params }));
        Assert.False(ContainsNull(answer), answer.ToJsonString());
        AssertValid(Modern, answer, "server/discover");
    }

    [Fact]
    public void Results_of_a_2025_era_server_reach_a_2026_era_client_as_valid_2026_results()
    {
        var translator = new ProtocolTranslator();
        var discover = Discover(1);
        translator.AdoptLegacyServerForModernClient(translator.InitializeFor(discover), new JsonObject { ["protocolVersion"] = Legacy, ["capabilities"] = new JsonObject(), ["serverInfo"] = new JsonObject { ["name"] = "legacy", ["version"] = "1" } });
        var meta = (JsonObject)discover.Params!["_meta"]!.DeepClone();

        var answers = new (string Method, JsonObject Result)[]
        {
            ("tools/list", new JsonObject { ["tools"] = new JsonArray(new JsonObject { ["name"] = "echo", ["inputSchema"] = new JsonObject { ["type"] = "object" } }) }),
            ("tools/call", new JsonObject { ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "hi" }) }),
            ("ping", new JsonObject()),
            ("resources/read", new JsonObject { ["contents"] = new JsonArray() }),
        };
        var id = 10;
        foreach (var (method, result) in answers)
        {
            id++;
            var sent = translator.ToServer(Request(id, method, new JsonObject { ["_meta"] = meta.DeepClone() }));
            Assert.False(Json(sent.Forward!)["params"]?.AsObject().ContainsKey("_meta") ?? false);
            var answer = Json(translator.ToClient(new JsonRpcResponse { Id = new RequestId(id), Result = result }));
            AssertValid(Modern, answer, method);
        }
    }

    [Theory]
    [InlineData(Legacy)]
    [InlineData(Modern)]
    public void Errors_the_relay_writes_are_valid_in_both_eras(string version)
    {
        var server = new Uri("https://mcp.example.com/mcp");
        Exception[] failures =
        [
            new HttpRequestException("refused", null, System.Net.HttpStatusCode.Unauthorized),
            new HttpRequestException("boom", null, System.Net.HttpStatusCode.BadGateway),
            new HttpRequestException("no route"),
            new TimeoutException(),
            new OAuth.OAuthException("the provider said no"),
            new OAuth.SignInPendingException(new Uri("https://idp.example.com/authorize?x=1")),
            new McpProtocolException("bad", McpErrorCode.InvalidParams),
            new UnsupportedProtocolVersionException("no such version", ["2025-11-25"], "2099-01-01"),
        ];

        foreach (var failure in failures)
        {
            AssertValid(version, Json(new JsonRpcError { Id = new RequestId(9), Error = RelayErrors.From(failure, server) }));
        }
    }

    [Fact]
    public void Discover_refused_for_a_version_the_server_lists_is_asked_again_and_no_other_refusal_is()
    {
        JsonRpcError Refusal(int code, object? data) => new() { Id = new RequestId(1), Error = new JsonRpcErrorDetail { Code = code, Message = "no", Data = data } };
        var listsModern = new JsonObject { ["supported"] = new JsonArray(Modern), ["requested"] = "" };

        Assert.True(ProtocolTranslator.IsRefusedVersionWeSpeak(Refusal(-32022, listsModern)));
        Assert.True(ProtocolTranslator.IsRefusedVersionWeSpeak(Refusal(-32022, JsonSerializer.SerializeToElement(listsModern))));
        Assert.False(ProtocolTranslator.IsRefusedVersionWeSpeak(Refusal(-32022, new JsonObject { ["supported"] = new JsonArray("2099-01-01") })));
        Assert.False(ProtocolTranslator.IsRefusedVersionWeSpeak(Refusal(-32022, null)));
        Assert.False(ProtocolTranslator.IsRefusedVersionWeSpeak(Refusal(-32601, listsModern)));
        Assert.False(ProtocolTranslator.IsRefusedVersionWeSpeak(new JsonRpcResponse { Id = new RequestId(1), Result = new JsonObject() }));
    }

    [Fact]
    public void Schema_check_refuses_a_null_optional_member_and_a_missing_result_type()
    {
        // What the translator once wrote: the TypeScript SDK refuses it ("expected string, received null"), and so must the check.
        var nullInstructions = JsonNode.Parse("""{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"s","version":"1"},"instructions":null}}""")!;
        var noResultType = JsonNode.Parse("""{"jsonrpc":"2.0","id":1,"result":{"tools":[],"cacheScope":"private","ttlMs":0}}""")!;

        Assert.Contains(SpecSchemas.Problems(Legacy, nullInstructions, "initialize"), p => p.Contains("instructions", StringComparison.Ordinal));
        Assert.NotEmpty(SpecSchemas.Problems(Modern, noResultType, "tools/list"));
        Assert.Empty(SpecSchemas.Problems(Legacy, noResultType, "tools/list"));
    }

    private static void AssertValid(string version, JsonNode message, string? answeredMethod = null)
    {
        var problems = SpecSchemas.Problems(version, message, answeredMethod);
        Assert.True(problems.Count == 0, $"{message.ToJsonString()}\nis not valid {version}:\n{string.Join('\n', problems)}");
    }

    /// <summary>The schema of a version the translator may agree on; unknown versions are answered with the newest 2025 one.</summary>
    private static string SchemaVersion(string agreed) => SpecSchemas.Versions.Contains(agreed) ? agreed : Legacy;

    private static bool ContainsNull(JsonNode? node) => node switch
    {
        null => true,
        JsonObject o => o.Any(p => ContainsNull(p.Value)),
        JsonArray a => a.Any(ContainsNull),
        _ => false,
    };

    private static JsonRpcMessage AnswerTo(long id, JsonRpcMessage answer) => answer switch
    {
        JsonRpcResponse r => new JsonRpcResponse { Id = new RequestId(id), Result = r.Result },
        JsonRpcError e => new JsonRpcError { Id = new RequestId(id), Error = e.Error },
        _ => answer,
    };

    private static JsonNode Json(JsonRpcMessage message) => JsonSerializer.SerializeToNode(message, McpJsonUtilities.DefaultOptions)!;

    private static JsonRpcRequest Request(long id, string method, JsonObject? parameters) => new() { Id = new RequestId(id), Method = method, Params = parameters };

    private static JsonRpcRequest Initialize(long id, string version) => Request(id, RequestMethods.Initialize, new JsonObject
    {
        ["protocolVersion"] = version,
        ["capabilities"] = new JsonObject(),
        ["clientInfo"] = new JsonObject { ["name"] = "desktop", ["version"] = "1.0" },
    });

    private static JsonRpcRequest Discover(long id) => Request(id, RequestMethods.ServerDiscover, new JsonObject
    {
        ["_meta"] = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = Modern,
            ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
            ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "desktop", ["version"] = "1.0" },
        },
    });
}
