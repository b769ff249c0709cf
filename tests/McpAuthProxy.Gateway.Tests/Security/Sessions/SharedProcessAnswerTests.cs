using System.Text.Json;
using McpAuthProxy.Gateway.Tests.Security.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security.Sessions;

/// <summary>
/// Attack (stdio.shared_process: true): the server asks the victim's session something (elicitation); another session
/// answers first, under the id the victim saw or under the process's own small ids, to decide for the victim.
/// </summary>
[Collection(nameof(SecurityCollection))]
public sealed class SharedProcessAnswerTests(SecurityFixture fixture)
{
    [Theory]
    [MemberData(nameof(AttackTargets.SharedData), MemberType = typeof(AttackTargets))]
    public async Task Another_session_cannot_answer_a_request_the_server_sent_to_the_victim(string target)
    {
        await using var gateway = await AttackedGateway.StartAsync(target, fixture.Idp);
        var victim = await gateway.OpenAsync(fixture.Token(subject: "victim"), elicitation: true);
        var attacker = await gateway.OpenAsync(fixture.Token(subject: "mallory"), elicitation: true);

        using var call = await victim.StreamAsync(victim.Message("tools/call", """{"name":"ask","arguments":{}}"""));
        var asked = await call.NextAsync();
        Assert.True(asked is { } a && a.GetProperty("method").GetString() == "elicitation/create", $"expected elicitation/create, got {asked}");
        var seenId = asked!.Value.GetProperty("id");

        // The attacker answers under the id the victim saw (leaked), and under the ids a process picks itself.
        var guesses = new List<string> { seenId.GetRawText() };
        guesses.AddRange(Enumerable.Range(0, 4).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        guesses.AddRange(["\"0\"", "\"s1:server-1\"", "\"s2:server-1\""]);
        foreach (var id in guesses)
        {
            using var forged = await attacker.SendAsync("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":{\"action\":\"accept\",\"content\":{\"answer\":\"from-mallory\"}}}");
        }

        using var answered = await victim.SendAsync("{\"jsonrpc\":\"2.0\",\"id\":" + seenId.GetRawText() + ",\"result\":{\"action\":\"accept\",\"content\":{\"answer\":\"from-victim\"}}}");
        JsonElement? result;
        do
        {
            result = await call.NextAsync();
        }
        while (result is { } r && !r.TryGetProperty("result", out _) && !r.TryGetProperty("error", out _));

        var text = result?.GetRawText() ?? "";
        Assert.Contains("from-victim", text, StringComparison.Ordinal);
        Assert.DoesNotContain("from-mallory", text, StringComparison.Ordinal);
        Assert.Contains(gateway.Logs.Entries, e => e.Message.Contains("Dropped an answer", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AttackTargets.SharedData), MemberType = typeof(AttackTargets))]
    public async Task Each_session_sees_its_own_ids_on_answers(string target)
    {
        var gateway = await fixture.GatewayAsync(target);
        var one = await gateway.OpenAsync(fixture.Token(subject: "one"));
        var two = await gateway.OpenAsync(fixture.Token(subject: "two"));

        // Both sessions use id 7 at once, one as a number and one as a string: each gets its own answer back.
        var first = one.AskAsync("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"message":"one"}}}""");
        var second = two.AskAsync("""{"jsonrpc":"2.0","id":"7","method":"tools/call","params":{"name":"echo","arguments":{"message":"two"}}}""");
        var answers = await Task.WhenAll(first, second);

        Assert.Contains("Echo: one", answers[0].Text, StringComparison.Ordinal);
        Assert.Contains("\"id\":7", answers[0].Text, StringComparison.Ordinal);
        Assert.Contains("Echo: two", answers[1].Text, StringComparison.Ordinal);
        Assert.Contains("\"id\":\"7\"", answers[1].Text, StringComparison.Ordinal);
    }
}
