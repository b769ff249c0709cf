using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpAuthProxy.TargetServer;

/// <summary>
/// What the target serves, as the C# SDK's server authors write it. Tools: echo, admin_reset, env (this process's
/// environment as JSON), ask (elicits an answer from the client, returns "answer: ..."), pid. Resources: file:///public,
/// file:///secret, demo://notes/secret and the template file:///vault/{name} (the SDK compares plain resource URIs as
/// System.Uri and matches templates case-insensitively). Prompts: greeting, secret_prompt. Secrets say "TOP SECRET".
/// </summary>
public static class TargetSurface
{
    public static McpServerOptions Options()
    {
        var options = new McpServerOptions();
        Configure(options);
        return options;
    }

    public static void Configure(McpServerOptions options)
    {
        options.ServerInfo = new Implementation { Name = "target-cs", Version = "1.0.0" };
        options.ToolCollection =
        [
            McpServerTool.Create((string message) => $"Echo: {message}", new() { Name = "echo" }),
            McpServerTool.Create(() => "TOP SECRET reset done", new() { Name = "admin_reset" }),
            McpServerTool.Create(() => JsonSerializer.Serialize(Environment.GetEnvironmentVariables()), new() { Name = "env" }),
            McpServerTool.Create(() => Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Name = "pid" }),
            McpServerTool.Create(async (McpServer server, CancellationToken ct) =>
            {
                var result = await server.ElicitAsync(new ElicitRequestParams
                {
                    Message = "Approve?",
                    RequestedSchema = new ElicitRequestParams.RequestSchema
                    {
                        Properties = { ["answer"] = new ElicitRequestParams.StringSchema() },
                    },
                }, ct);
                return "answer: " + JsonSerializer.Serialize(new { result.Action, result.Content });
            }, new() { Name = "ask" }),
        ];
        options.ResourceCollection =
        [
            McpServerResource.Create(() => "public text", new() { UriTemplate = "file:///public", Name = "public", MimeType = "text/plain" }),
            McpServerResource.Create(() => "TOP SECRET file", new() { UriTemplate = "file:///secret", Name = "secret", MimeType = "text/plain" }),
            McpServerResource.Create(() => "TOP SECRET notes", new() { UriTemplate = "demo://notes/secret", Name = "notes", MimeType = "text/plain" }),
            McpServerResource.Create((string name) => $"TOP SECRET vault {name}", new() { UriTemplate = "file:///vault/{name}", Name = "vault", MimeType = "text/plain" }),
        ];
        options.PromptCollection =
        [
            McpServerPrompt.Create(() => "hello", new() { Name = "greeting" }),
            McpServerPrompt.Create(() => "TOP SECRET prompt", new() { Name = "secret_prompt" }),
        ];
    }
}
