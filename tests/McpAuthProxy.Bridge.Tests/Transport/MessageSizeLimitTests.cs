using System.Net;
using System.Net.Http.Headers;
using McpAuthProxy.Bridge.Transport;

namespace McpAuthProxy.Bridge.Tests.Transport;

public sealed class MessageSizeLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpClient Client(long limit, Func<HttpContent> answer) =>
        new(new MessageSizeLimit(limit) { InnerHandler = new Answering(answer) });

    [Fact]
    public async Task Json_body_within_the_limit_reads_whole()
    {
        using var http = Client(100, () => Json(new string('a', 90), announce: true));

        var body = await http.GetStringAsync("http://mcp.test/", Ct);

        Assert.Equal(90, body.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Json_body_past_the_limit_fails_whether_announced_or_not(bool announce)
    {
        using var http = Client(100, () => Json(new string('a', 101), announce));

        var e = await Assert.ThrowsAnyAsync<Exception>(() => http.GetStringAsync("http://mcp.test/", Ct));

        Assert.Contains(Chain(e), x => x is MessageTooLargeException);
    }

    [Fact]
    public async Task Event_stream_is_left_to_the_transports_line_limit()
    {
        using var http = Client(10, () => new StringContent(new string('a', 100), new MediaTypeHeaderValue("text/event-stream")));

        Assert.Equal(100, (await http.GetStringAsync("http://mcp.test/", Ct)).Length);
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
        }
    }

    private static HttpContent Json(string text, bool announce)
    {
        var content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (announce)
        {
            content.Headers.ContentLength = text.Length;
        }
        else
        {
            content.Headers.ContentLength = null;
        }

        return content;
    }

    private sealed class Answering(Func<HttpContent> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = answer() });
    }
}
