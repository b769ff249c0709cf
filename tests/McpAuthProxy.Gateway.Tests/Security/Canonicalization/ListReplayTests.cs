using System.Text;
using System.Text.RegularExpressions;
using McpAuthProxy.Gateway.Tests.Security.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security.Canonicalization;

/// <summary>
/// Attack: get a list answer through another door than the POST that asked: reconnect with GET and Last-Event-ID, and
/// the server replays it (the TypeScript SDK server with an event store does). The replay must be filtered as the
/// answer was.
/// </summary>
[Collection(nameof(SecurityCollection))]
public sealed partial class ListReplayTests(SecurityFixture fixture)
{
    private static readonly HttpClient Http = new() { Timeout = TestTimeouts.Default };

    [Fact]
    public async Task A_tools_list_answer_replayed_after_Last_Event_ID_is_filtered()
    {
        await using var gateway = await AttackedGateway.StartAsync("ts/http", fixture.Idp, upstreamArguments: ["--resumable"]);

        // Directly at the server, the replay carries admin_reset: the door exists.
        var direct = await RawSession.OpenAsync(gateway.UpstreamBaseUrl + "/mcp", token: null);
        Assert.Contains("admin_reset", await ListThenReplayAsync(direct), StringComparison.Ordinal);

        var attacker = await gateway.OpenAsync(fixture.Token());
        var replayed = await ListThenReplayAsync(attacker);

        Assert.Contains("\"echo\"", replayed, StringComparison.Ordinal);
        Assert.DoesNotContain("admin_reset", replayed, StringComparison.Ordinal);
    }

    /// <summary>Asks tools/list, then reconnects after the answer stream's first event id; returns the replayed list.</summary>
    private static async Task<string> ListThenReplayAsync(RawSession session)
    {
        var answer = await session.ListAsync("tools/list");
        var firstId = EventId().Match(answer.Text);
        Assert.True(firstId.Success, $"no event id in the answer: {answer}");

        using var request = new HttpRequestMessage(HttpMethod.Get, session.Url);
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("Mcp-Session-Id", session.SessionId);
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        request.Headers.Add("Last-Event-ID", firstId.Groups[1].Value);
        if (session.Token is not null)
        {
            request.Headers.Authorization = new("Bearer", session.Token);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TestTimeouts.Default);
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token), Encoding.UTF8);
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal) && line.Contains("\"tools\"", StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"the GET stream ended without replaying the list ({(int)response.StatusCode})");
    }

    [GeneratedRegex(@"^id: *(\S+)", RegexOptions.Multiline)]
    private static partial Regex EventId();
}
