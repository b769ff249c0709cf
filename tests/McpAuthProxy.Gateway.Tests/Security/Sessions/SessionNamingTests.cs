using System.Net;
using System.Text;
using McpAuthProxy.Gateway.Transport;
using McpAuthProxy.Gateway.Tests.Security.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace McpAuthProxy.Gateway.Tests.Security.Sessions;

/// <summary>
/// Attack: reach another user's session: present its id, name two sessions at once so that the gateway checks one and
/// the server routes by the other, or fill the session table with ids of one's own making.
/// </summary>
[Collection(nameof(SecurityCollection))]
public sealed class SessionNamingTests(SecurityFixture fixture)
{
    private static readonly HttpClient Http = new() { Timeout = TestTimeouts.Default };

    [Theory]
    [MemberData(nameof(AttackTargets.AllData), MemberType = typeof(AttackTargets))]
    public async Task Another_users_session_id_is_refused(string target)
    {
        var gateway = await fixture.GatewayAsync(target);
        var victim = await gateway.OpenAsync(fixture.Token(subject: "victim"));

        var answer = await victim.AskAsync(victim.Message("tools/call", """{"name":"echo","arguments":{"message":"x"}}"""),
            request => request.Headers.Authorization = new("Bearer", fixture.Token(subject: "mallory")));

        Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
    }

    [Fact]
    public async Task A_client_whose_id_is_a_users_subject_does_not_get_that_users_sessions()
    {
        var gateway = await fixture.GatewayAsync("ts/http");
        var victim = await gateway.OpenAsync(fixture.Token(subject: "alice-the-user"));
        var machine = fixture.Idp.Issue(AttackTargets.Audience, subject: null, scope: "mcp:tools", clientId: "alice-the-user");

        var answer = await victim.AskAsync(victim.Message("tools/list", "{}"), request => request.Headers.Authorization = new("Bearer", machine));

        Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
    }

    [Theory]
    [MemberData(nameof(AttackTargets.AllData), MemberType = typeof(AttackTargets))]
    public async Task A_request_naming_its_session_twice_is_refused(string target)
    {
        var gateway = await fixture.GatewayAsync(target);
        var victim = await gateway.OpenAsync(fixture.Token(subject: "victim"));
        var attacker = await gateway.OpenAsync(fixture.Token(subject: "mallory"));
        var body = attacker.Message("tools/list", "{}");

        var twoHeaders = await attacker.AskAsync(body, request => request.Headers.Add("Mcp-Session-Id", victim.SessionId));
        var headerAndQuery = await attacker.AskAsync(body, request => request.RequestUri = new Uri(gateway.McpUrl + "?sessionId=" + victim.SessionId));

        Assert.Equal(HttpStatusCode.BadRequest, twoHeaders.Status);
        Assert.Equal(HttpStatusCode.BadRequest, headerAndQuery.Status);
    }

    public static TheoryData<string, string> LegacyQueries => new()
    {
        { "ts/http", "session_id={mine}&sessionId={victim}" },
        { "ts/http", "sessionId={mine}&sessionId={victim}" },
        { "ts/http", "sessionId={victim}&sessionId={mine}" },
        { "ts/http", "SessionId={mine}&sessionId={victim}" },
        { "ts/http", "session%49d={victim}&sessionId={mine}" },
        { "ts/http", "sessionId={mine};sessionId={victim}" },
        { "cs/http", "session_id={mine}&sessionId={victim}" },
        { "cs/http", "sessionId={victim}&sessionid={mine}" },
    };

    [Theory]
    [MemberData(nameof(LegacyQueries))]
    public async Task Legacy_sse_a_post_naming_two_sessions_is_refused(string target, string query)
    {
        var gateway = await fixture.GatewayAsync(target);
        using var victim = await LegacyStream.OpenAsync(gateway.SseUrl, fixture.Token(subject: "victim"));
        using var attacker = await LegacyStream.OpenAsync(gateway.SseUrl, fixture.Token(subject: "mallory"));
        var messages = attacker.Endpoint[..attacker.Endpoint.IndexOf('?', StringComparison.Ordinal)];
        var url = messages + "?" + query.Replace("{mine}", attacker.SessionId, StringComparison.Ordinal).Replace("{victim}", victim.SessionId, StringComparison.Ordinal);

        using var forged = await Http.SendAsync(RawSession.Request(url, fixture.Token(subject: "mallory"), null,
            """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"message":"planted"}}}"""), TestContext.Current.CancellationToken);
        using var plain = await Http.SendAsync(RawSession.Request(messages + "?sessionId=" + victim.SessionId, fixture.Token(subject: "mallory"), null,
            """{"jsonrpc":"2.0","id":6,"method":"tools/list"}"""), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, plain.StatusCode);
    }

    [Theory]
    [MemberData(nameof(AttackTargets.AllData), MemberType = typeof(AttackTargets))]
    public async Task Session_ids_the_upstream_refuses_are_not_kept(string target)
    {
        var gateway = await fixture.GatewayAsync(target);
        var bindings = gateway.Host.Services.GetRequiredService<SessionBindings>();
        var attacker = await fixture.SessionAsync(target);
        var before = bindings.Count;

        for (var i = 0; i < 50; i++)
        {
            var answer = await attacker.AskAsync(attacker.Message("tools/list", "{}"), request =>
            {
                request.Headers.Remove("Mcp-Session-Id");
                request.Headers.Add("Mcp-Session-Id", $"made-up-{Guid.NewGuid():N}");
            });
            Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        }

        Assert.Equal(before, bindings.Count);
    }

    /// <summary>A legacy HTTP+SSE stream through the gateway: the endpoint event names the messages URL and the session.</summary>
    private sealed class LegacyStream : IDisposable
    {
        private readonly HttpResponseMessage _response;

        private LegacyStream(HttpResponseMessage response, string endpoint)
        {
            _response = response;
            Endpoint = endpoint;
            var query = endpoint[(endpoint.IndexOf('?', StringComparison.Ordinal) + 1)..];
            SessionId = query.Split('&').Select(p => p.Split('=')).First(p => p[0] is "sessionId" or "session_id")[1];
        }

        public string Endpoint { get; }

        public string SessionId { get; }

        public static async Task<LegacyStream> OpenAsync(string sseUrl, string token)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, sseUrl);
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Headers.Authorization = new("Bearer", token);
            var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken), Encoding.UTF8);
            while (await reader.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    var endpoint = line[5..].Trim();
                    return new LegacyStream(response, endpoint.StartsWith("http", StringComparison.Ordinal) ? endpoint : new Uri(new Uri(sseUrl), endpoint).ToString());
                }
            }

            throw new InvalidOperationException("no endpoint event");
        }

        public void Dispose() => _response.Dispose();
    }
}
