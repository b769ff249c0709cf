using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using McpAuthProxy.Telemetry.Propagation;

namespace McpAuthProxy.Telemetry.Tests.Propagation;

public sealed class JsonRpcTraceContextTests
{
    private static readonly ActivityContext Ours = new(
        ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736"), ActivitySpanId.CreateFromString("00f067aa0ba902b7"),
        ActivityTraceFlags.Recorded, "ours=1");

    private const string OurParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static JsonNode Inject(string json) => JsonNode.Parse(JsonRpcTraceContext.Inject(Encoding.UTF8.GetBytes(json), Ours))!;

    [Fact]
    public void A_request_without_params_gets_params_with_meta()
    {
        var message = Inject("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");

        Assert.Equal(OurParent, (string?)message["params"]!["_meta"]!["traceparent"]);
        Assert.Equal("ours=1", (string?)message["params"]!["_meta"]!["tracestate"]);
        Assert.Equal("tools/list", (string?)message["method"]);
    }

    [Fact]
    public void Every_copy_of_a_callers_trace_context_is_replaced_and_other_meta_members_are_kept()
    {
        var json = """{"method":"tools/call","params":{"_meta":{"traceparent":"00-11111111111111111111111111111111-2222222222222222-01","progressToken":7,"traceparent":"x","tracestate":"theirs=1"},"name":"echo"},"id":"a"}""";

        var bytes = JsonRpcTraceContext.Inject(Encoding.UTF8.GetBytes(json), Ours);
        var text = Encoding.UTF8.GetString(bytes);

        Assert.Single(AllIndexesOf(text, "traceparent"));
        Assert.DoesNotContain("theirs=1", text, StringComparison.Ordinal);
        var meta = JsonNode.Parse(bytes)!["params"]!["_meta"]!;
        Assert.Equal(OurParent, (string?)meta["traceparent"]);
        Assert.Equal(7, (int)meta["progressToken"]!);
        Assert.True(JsonRpcTraceContext.TryExtract(JsonDocument.Parse(bytes).RootElement, out var extracted));
        Assert.Equal(Ours.TraceId, extracted.TraceId);
        Assert.Equal(Ours.SpanId, extracted.SpanId);
    }

    [Fact]
    public void Every_params_object_of_a_message_with_repeated_params_gets_the_context()
    {
        // Whichever copy the upstream's parser keeps (first or last), it carries our context.
        var text = Encoding.UTF8.GetString(JsonRpcTraceContext.Inject(
            """{"method":"tools/call","params":{"name":"a"},"id":1,"params":{"name":"b","_meta":{"traceparent":"old"}}}"""u8, Ours));

        Assert.Equal(2, AllIndexesOf(text, OurParent).Count);
        Assert.DoesNotContain("old", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_meta_that_is_not_an_object_is_replaced_by_one()
    {
        var message = Inject("""{"method":"ping","params":{"_meta":null},"id":1}""");

        Assert.Equal(OurParent, (string?)message["params"]!["_meta"]!["traceparent"]);
        Assert.Single(AllIndexesOf(message.ToJsonString(), "_meta"));
    }

    [Fact]
    public void Strings_and_numbers_are_copied_byte_for_byte()
    {
        var json = """{"method":"tools/call","id":12345678901234567890123,"params":{"name":"\u00e9cho","arguments":{"s":"a\"b\\c\ud83d\ude00","n":1.50e+3,"x":[true,false,null]}}}""";

        var text = Encoding.UTF8.GetString(JsonRpcTraceContext.Inject(Encoding.UTF8.GetBytes(json), Ours));

        Assert.Contains("""12345678901234567890123""", text, StringComparison.Ordinal);
        Assert.Contains("""\u00e9cho""", text, StringComparison.Ordinal);
        Assert.Contains("""a\"b\\c\ud83d\ude00""", text, StringComparison.Ordinal);
        Assert.Contains("1.50e+3", text, StringComparison.Ordinal);
        Assert.Contains("[true,false,null]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Responses_and_bodies_that_are_not_json_are_left_as_they_are()
    {
        var response = """{"jsonrpc":"2.0","id":1,"result":{"content":[]}}"""u8.ToArray();
        Assert.Equal(response, JsonRpcTraceContext.Inject(response, Ours));

        var broken = "{\"method\":\"x\", nope"u8.ToArray();
        Assert.Equal(broken, JsonRpcTraceContext.Inject(broken, Ours));

        var scalar = "42"u8.ToArray();
        Assert.Equal(scalar, JsonRpcTraceContext.Inject(scalar, Ours));
    }

    [Fact]
    public void Every_request_of_a_batch_gets_the_context_and_responses_in_it_do_not()
    {
        var batch = JsonNode.Parse(JsonRpcTraceContext.Inject(
            """[{"method":"ping","id":1},{"jsonrpc":"2.0","id":2,"result":{}},{"method":"notifications/initialized"}]"""u8, Ours))!.AsArray();

        Assert.Equal(OurParent, (string?)batch[0]!["params"]!["_meta"]!["traceparent"]);
        Assert.Null(batch[1]!["params"]);
        Assert.Equal(OurParent, (string?)batch[2]!["params"]!["_meta"]!["traceparent"]);
    }

    [Fact]
    public void Injecting_keeps_everything_else_of_any_message_and_the_context_reads_back()
    {
        var scalar = Gen.OneOf<JsonNode?>(Gen.String.AlphaNumeric.Select(s => (JsonNode?)JsonValue.Create(s)),
            Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i)), Gen.Const(() => (JsonNode?)null), Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)));
        var member = Gen.Select(Gen.OneOf(Gen.String.AlphaNumeric, Gen.OneOf<string>("_meta", "traceparent", "name")), scalar);
        var meta = member.Array[0, 4].Select(ms => ms.DistinctBy(m => m.Item1).ToArray());
        var gen = Gen.Select(Gen.OneOf("tools/call", "ping", "notifications/progress"), meta, Gen.Bool, Gen.Bool);

        gen.Sample((method, members, hasParams, hasMeta) =>
        {
            var message = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["id"] = 3 };
            if (hasParams)
            {
                var parameters = new JsonObject { ["name"] = "echo" };
                if (hasMeta)
                {
                    var metaObject = new JsonObject();
                    foreach (var (key, value) in members)
                    {
                        metaObject[key] = value?.DeepClone();
                    }

                    parameters["_meta"] = metaObject;
                }

                message["params"] = parameters;
            }

            var injected = JsonNode.Parse(JsonRpcTraceContext.Inject(Encoding.UTF8.GetBytes(message.ToJsonString()), Ours))!.AsObject();

            Assert.True(JsonRpcTraceContext.TryExtract(JsonDocument.Parse(injected.ToJsonString()).RootElement, out var read));
            Assert.Equal(Ours.TraceId, read.TraceId);
            Assert.Equal(Ours.SpanId, read.SpanId);
            Assert.Equal("ours=1", read.TraceState);
            // Everything but the trace context is as it was.
            var injectedMeta = injected["params"]!["_meta"]!.AsObject();
            injectedMeta.Remove("traceparent");
            injectedMeta.Remove("tracestate");
            var expected = message.DeepClone().AsObject();
            var expectedParams = expected["params"] as JsonObject ?? [];
            expected["params"] = expectedParams;
            var expectedMeta = expectedParams["_meta"] as JsonObject ?? [];
            expectedParams["_meta"] = expectedMeta;
            expectedMeta.Remove("traceparent");
            expectedMeta.Remove("tracestate");
            Assert.True(JsonNode.DeepEquals(expected, injected), $"{expected.ToJsonString()}\n{injected.ToJsonString()}");
        });
    }

    [Fact]
    public void Params_as_a_json_node_carry_the_context_both_ways()
    {
        var parameters = new JsonObject { ["name"] = "echo", ["_meta"] = new JsonObject { ["progressToken"] = 1, ["tracestate"] = "old=1" } };

        var injected = JsonRpcTraceContext.InjectIntoParams(parameters, new ActivityContext(Ours.TraceId, Ours.SpanId, Ours.TraceFlags));

        Assert.True(JsonRpcTraceContext.TryExtractFromParams(injected, out var read));
        Assert.Equal(Ours.SpanId, read.SpanId);
        Assert.Null(injected!["_meta"]!["tracestate"]);
        Assert.Equal(1, (int)injected["_meta"]!["progressToken"]!);
        Assert.True(JsonRpcTraceContext.TryExtractFromParams(JsonRpcTraceContext.InjectIntoParams(null, Ours), out _));
        var positional = new JsonArray(1, 2);
        Assert.Same(positional, JsonRpcTraceContext.InjectIntoParams(positional, Ours));
    }

    private static List<int> AllIndexesOf(string text, string value)
    {
        var found = new List<int>();
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            found.Add(i);
        }

        return found;
    }
}
