using System.Net;
using System.Text;
using McpAuthProxy.Gateway.Tests.Security.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security.Smuggling;

/// <summary>
/// Attack: a body the gateway reads one way and the server another (a parser differential), so that the gateway
/// authorizes echo while the server runs admin_reset. Every such body must be refused (400, saying why) or decided on
/// what the server will act on (403), and never reach admin_reset.
/// </summary>
[Collection(nameof(SecurityCollection))]
public sealed class JsonSmugglingTests(SecurityFixture fixture)
{
    public static TheoryData<string, string> Smuggled => new()
    {
        // Duplicate keys: JavaScript and System.Text.Json keep the last, other parsers the first.
        { "duplicate params.name", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","name":"admin_reset","arguments":{"message":"x"}}}""" },
        { "duplicate method", """{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call","params":{"name":"admin_reset","arguments":{}}}""" },
        { "duplicate params", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"x"}},"params":{"name":"admin_reset","arguments":{}}}""" },
        // Keys that differ only in case: a case-insensitive reader takes them as one.
        { "Name beside name", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","Name":"admin_reset","arguments":{"message":"x"}}}""" },
        { "Method beside method", """{"jsonrpc":"2.0","id":1,"method":"tools/call","Method":"tools/call","params":{"name":"admin_reset","arguments":{}}}""" },
        // Escapes that are half a surrogate pair: JavaScript keeps them, .NET refuses them.
        { "lone surrogate in the name", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin_reset\ud800","arguments":{}}}""" },
        // Shapes that are not one JSON-RPC message.
        { "params as an array", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":["admin_reset"]}""" },
        { "name that is not a string", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":["admin_reset"],"arguments":{}}}""" },
        { "id that is an object", """{"jsonrpc":"2.0","id":{"a":1},"method":"tools/call","params":{"name":"admin_reset","arguments":{}}}""" },
        { "id that is a fraction", """{"jsonrpc":"2.0","id":1.5,"method":"tools/call","params":{"name":"admin_reset","arguments":{}}}""" },
        { "id beyond 2^53", """{"jsonrpc":"2.0","id":9007199254740993,"method":"tools/call","params":{"name":"admin_reset","arguments":{}}}""" },
        { "no jsonrpc", """{"id":1,"method":"tools/call","params":{"name":"admin_reset","arguments":{}}}""" },
        { "method and result", """{"jsonrpc":"2.0","id":1,"method":"tools/call","result":{},"params":{"name":"admin_reset","arguments":{}}}""" },
        { "trailing white space in the name", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin_reset ","arguments":{}}}""" },
        { "NUL in the name", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin_reset\u0000","arguments":{}}}""" },
        { "zero-width space in the name", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin_reset\u200b","arguments":{}}}""" },
        { "two values", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"x"}}} {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"admin_reset","arguments":{}}}""" },
        { "a comment", """{"jsonrpc":"2.0","id":1,"method":"tools/call",/* */"params":{"name":"admin_reset","arguments":{}}}""" },
        { "nesting 100 deep", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"x","deep":""" + new string('[', 100) + new string(']', 100) + "}}}" },
    };

    [Theory]
    [MemberData(nameof(Smuggled))]
    public async Task A_body_with_two_readings_is_refused_with_400_on_every_target(string attack, string body)
    {
        foreach (var target in AttackTargets.All)
        {
            var attacker = await fixture.SessionAsync(target);

            var answer = await attacker.AskAsync(body);

            Assert.False(answer.LeaksSecret, $"{target}: {attack} leaked: {answer}");
            Assert.True(answer.Status == HttpStatusCode.BadRequest, $"{target}: {attack}: {answer}");
            Assert.True(answer.ErrorMessage.Length > 12, $"{target}: {attack}: the refusal does not say why: {answer}");
        }
    }

    [Theory]
    [MemberData(nameof(AttackTargets.AllData), MemberType = typeof(AttackTargets))]
    public async Task The_policy_reads_the_field_the_server_acts_on(string target)
    {
        var attacker = await fixture.SessionAsync(target);

        // resources/read is decided on params.uri, whatever params.name says.
        var named = await attacker.AskAsync(attacker.Message("resources/read", """{"name":"public","uri":"file:///secret"}"""));
        // An escape is read as the server reads it.
        var escaped = await attacker.AskAsync(attacker.Message("tools/call", """{"name":"admin\u005freset","arguments":{}}"""));

        Assert.Equal(HttpStatusCode.Forbidden, named.Status);
        Assert.Equal(HttpStatusCode.Forbidden, escaped.Status);
        Assert.False(named.LeaksSecret || escaped.LeaksSecret);
    }

    [Theory]
    [InlineData("invalid UTF-8", new byte[] { 0x7B, 0x22, 0x6A, 0x73, 0x6F, 0x6E, 0x72, 0x70, 0x63, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D })]
    [InlineData("a byte order mark", new byte[] { 0xEF, 0xBB, 0xBF, 0x7B, 0x7D })]
    [InlineData("an overlong encoding", new byte[] { 0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D })]
    public async Task Bytes_that_are_not_UTF_8_JSON_get_400_not_500(string attack, byte[] body)
    {
        var attacker = await fixture.SessionAsync("ts/http");
        var gateway = await fixture.GatewayAsync("ts/http");

        var answer = await attacker.AskAsync(body);
        var anonymous = await RawSession.Anonymous(gateway.McpUrl).AskAsync(body);

        Assert.True(answer.Status == HttpStatusCode.BadRequest, $"{attack}: {answer}");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
    }

    [Theory]
    [MemberData(nameof(AttackTargets.HttpData), MemberType = typeof(AttackTargets))]
    public async Task A_batch_is_decided_message_by_message(string target)
    {
        var attacker = await fixture.SessionAsync(target);

        var answer = await attacker.AskAsync($"[{attacker.Message("tools/call", """{"name":"echo","arguments":{"message":"x"}}""")},{attacker.Message("tools/call", """{"name":"admin_reset","arguments":{}}""")}]");

        Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
        Assert.False(answer.LeaksSecret);
    }

    [Fact]
    public async Task A_compressed_or_otherwise_encoded_request_body_is_refused()
    {
        var attacker = await fixture.SessionAsync("ts/http");
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(attacker.Message("tools/call", """{"name":"admin_reset","arguments":{}}""")));
        }

        var answer = await attacker.AskAsync(buffer.ToArray(), request => request.Content!.Headers.ContentEncoding.Add("gzip"));

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.False(answer.LeaksSecret);
    }

    [Fact]
    public async Task Headers_that_disagree_with_the_body_are_refused()
    {
        var attacker = await fixture.SessionAsync("ts/http");
        var body = attacker.Message("tools/call", """{"name":"admin_reset","arguments":{}}""");

        var answer = await attacker.AskAsync(body, request =>
        {
            request.Headers.Add("Mcp-Method", "tools/call");
            request.Headers.Add("Mcp-Name", "echo");
        });

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(-32020, answer.ErrorCode);
    }
}
