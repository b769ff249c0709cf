using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security.Infrastructure;

/// <summary>
/// An MCP session spoken in raw HTTP, as an attacker speaks it: any body, any header. Answers are read whole, whether
/// the gateway sends JSON or an event stream.
/// </summary>
public sealed class RawSession
{
    private static readonly HttpClient Http = new() { Timeout = TestTimeouts.Default };
    private int _nextId = 100;

    private RawSession(string url, string? token, string? sessionId)
    {
        Url = url;
        Token = token;
        SessionId = sessionId;
    }

    public string Url { get; }

    public string? Token { get; }

    public string? SessionId { get; }

    public static async Task<RawSession> OpenAsync(string url, string? token, bool elicitation = false)
    {
        var capabilities = elicitation ? """{"elicitation":{"form":{}}}""" : "{}";
        using var response = await Http.SendAsync(Request(url, token, null,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":" + capabilities + ",\"clientInfo\":{\"name\":\"attacker\",\"version\":\"0\"}}}"),
            TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"initialize: {(int)response.StatusCode} {text}");
        var sessionId = response.Headers.TryGetValues("Mcp-Session-Id", out var ids) ? ids.First() : null;
        var session = new RawSession(url, token, sessionId);
        using var initialized = await session.SendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        return session;
    }

    /// <summary>No session and no token: what anyone on the network can send.</summary>
    public static RawSession Anonymous(string url) => new(url, null, null);

    public static HttpRequestMessage Request(string url, string? token, string? sessionId, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
        }

        return request;
    }

    /// <summary>Sends a body as it is (raw bytes when given), with this session's token and id unless changed.</summary>
    public Task<HttpResponseMessage> SendAsync(string body, Action<HttpRequestMessage>? change = null) =>
        SendAsync(Encoding.UTF8.GetBytes(body), change);

    public async Task<HttpResponseMessage> SendAsync(byte[] body, Action<HttpRequestMessage>? change = null)
    {
        using var request = Request(Url, Token, SessionId, "");
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        change?.Invoke(request);
        return await Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>Sends and reads the whole answer: its status and text.</summary>
    public async Task<Answer> AskAsync(string body, Action<HttpRequestMessage>? change = null) => await AskAsync(Encoding.UTF8.GetBytes(body), change);

    public async Task<Answer> AskAsync(byte[] body, Action<HttpRequestMessage>? change = null)
    {
        using var response = await SendAsync(body, change);
        return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    public int NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>Sends a request whose answer is read as it streams (server requests and progress come before the result).</summary>
    public async Task<MessageStream> StreamAsync(string body)
    {
        var request = Request(Url, Token, SessionId, body);
        var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        return new MessageStream(request, response);
    }

    public Task<Answer> ReadResourceAsync(string uri) =>
        AskAsync(Message("resources/read", "{\"uri\":" + JsonSerializer.Serialize(uri) + "}"));

    public Task<Answer> CallToolAsync(string name, string arguments = "{}") =>
        AskAsync(Message("tools/call", "{\"name\":" + JsonSerializer.Serialize(name) + ",\"arguments\":" + arguments + "}"));

    public Task<Answer> ListAsync(string method) => AskAsync(Message(method, "{}"));

    /// <summary>A request with the next id.</summary>
    public string Message(string method, string parameters) =>
        "{\"jsonrpc\":\"2.0\",\"id\":" + NextId() + ",\"method\":" + JsonSerializer.Serialize(method) + ",\"params\":" + parameters + "}";
}

/// <summary>An HTTP answer, read whole.</summary>
public sealed record Answer(HttpStatusCode Status, string Text)
{
    /// <summary>True when the answer carries something only a holder of <c>mcp:admin</c> may see.</summary>
    public bool LeaksSecret => Text.Contains("TOP SECRET", StringComparison.Ordinal);

    /// <summary>
    /// True when the answer is the content of one of the protected resources (file:///secret, demo://notes/secret,
    /// file:///vault/x, the last in any case, as the C# SDK's template matches it): other names the vault template
    /// serves are other resources.
    /// </summary>
    public bool LeaksProtectedResource =>
        Text.Contains("\"TOP SECRET file\"", StringComparison.Ordinal) || Text.Contains("\"TOP SECRET notes\"", StringComparison.Ordinal)
        || Text.Contains("\"TOP SECRET vault x\"", StringComparison.OrdinalIgnoreCase);

    /// <summary>The gateway said no: 400 (not one reading) or 403 (missing scope).</summary>
    public bool Refused => Status is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden;

    /// <summary>The JSON-RPC error's code in a JSON answer (0 when there is none).</summary>
    public int ErrorCode => Error is { } error && error.TryGetProperty("code", out var code) ? code.GetInt32() : 0;

    /// <summary>The JSON-RPC error's message in a JSON answer ("" when there is none).</summary>
    public string ErrorMessage => Error is { } error && error.TryGetProperty("message", out var message) ? message.GetString() ?? "" : "";

    private JsonElement? Error
    {
        get
        {
            try
            {
                using var document = JsonDocument.Parse(Text);
                return document.RootElement.TryGetProperty("error", out var error) ? error.Clone() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    public override string ToString() => $"{(int)Status} {Text}";
}


/// <summary>The messages of one answer, as they arrive: one JSON body, or the data of each event of a stream.</summary>
public sealed class MessageStream(HttpRequestMessage request, HttpResponseMessage response) : IDisposable
{
    private StreamReader? _reader;

    public HttpResponseMessage Response => response;

    /// <summary>The next message, or null when the answer ended.</summary>
    public async Task<JsonElement?> NextAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TestTimeouts.Default);
        if (_reader is null)
        {
            _reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
            if (response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                var whole = await _reader.ReadToEndAsync(timeout.Token);
                return JsonDocument.Parse(whole).RootElement.Clone();
            }
        }

        var data = new StringBuilder();
        while (await _reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line[5..].TrimStart());
            }
            else if (line.Length == 0 && data.Length > 0)
            {
                return JsonDocument.Parse(data.ToString()).RootElement.Clone();
            }
        }

        return data.Length > 0 ? JsonDocument.Parse(data.ToString()).RootElement.Clone() : null;
    }

    public void Dispose()
    {
        _reader?.Dispose();
        response.Dispose();
        request.Dispose();
    }
}