using System.Text.Json;

namespace McpAuthProxy.Testing;

/// <summary>
/// tests/e2e/stack.mjs in a child process: oidc-provider plus a TypeScript-SDK MCP server that validates its tokens,
/// both on 127.0.0.1 with ephemeral ports.
/// </summary>
public sealed class NodeStack : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private NodeStack(ChildProcess process, Uri issuer, Uri mcp, Uri sse, Uri origin)
    {
        _process = process;
        Issuer = issuer;
        Mcp = mcp;
        Sse = sse;
        Origin = origin;
    }

    /// <summary>The identity provider's issuer, without a trailing slash.</summary>
    public Uri Issuer { get; }

    /// <summary>The Streamable HTTP endpoint.</summary>
    public Uri Mcp { get; }

    /// <summary>The legacy HTTP+SSE endpoint.</summary>
    public Uri Sse { get; }

    public Uri Origin { get; }

    public string IssuerText => Issuer.GetLeftPart(UriPartial.Authority);

    public static async Task<NodeStack> StartAsync(IDictionary<string, string?>? environment = null, Action<string>? output = null, CancellationToken cancellationToken = default)
    {
        var process = ChildProcess.Start(RepoPaths.Node, [Path.Combine(RepoPaths.E2E, "stack.mjs")], environment, output, workingDirectory: RepoPaths.E2E);
        try
        {
            var line = await process.ReadStdoutLineAsync(cancellationToken);
            using var ready = JsonDocument.Parse(line);
            var root = ready.RootElement;
            return new NodeStack(process, new Uri(root.GetProperty("issuer").GetString()!), new Uri(root.GetProperty("mcp").GetString()!),
                new Uri(root.GetProperty("sse").GetString()!), new Uri(root.GetProperty("origin").GetString()!));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>The next <paramref name="count"/> authenticated MCP requests get 401 invalid_token.</summary>
    public async Task RejectNextAsync(int count, CancellationToken cancellationToken)
    {
        using var response = await Http.PostAsync(new Uri(Origin, $"/_control/reject-next?count={count}"), null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Forgets every session and cuts every stream, as a restart would.</summary>
    public async Task DropSessionsAsync(CancellationToken cancellationToken)
    {
        using var response = await Http.PostAsync(new Uri(Origin, "/_control/drop"), null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async Task<JsonElement> StatsAsync(CancellationToken cancellationToken)
    {
        var text = await Http.GetStringAsync(new Uri(Origin, "/_stats"), cancellationToken);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Revokes a token at the provider (RFC 7009) for the public client.</summary>
    public async Task RevokeAsync(string token, CancellationToken cancellationToken)
    {
        using var response = await Http.PostAsync(new Uri(Issuer, "/token/revocation"), new FormUrlEncodedContent(
        [
            new("token", token),
            new("client_id", "mcp-public"),
        ]), cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
