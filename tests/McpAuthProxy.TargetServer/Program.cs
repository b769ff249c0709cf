using McpAuthProxy.TargetServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

// The C# SDK MCP server the gateway's security suite attacks (tests/e2e/target-server.mjs is its TypeScript twin):
//   McpAuthProxy.TargetServer            speaks MCP on stdin/stdout
//   McpAuthProxy.TargetServer --http     the SDK's ASP.NET Core host (MapMcp: stateful Streamable HTTP on /mcp, legacy
//                                        HTTP+SSE on /sse and /message) on 127.0.0.1 with an ephemeral port; prints
//                                        {"ready":true,"mcp":...,"sse":...} on stdout.
if (!args.Contains("--http"))
{
    var transport = new StdioServerTransport("target-cs");
    await using var server = McpServer.Create(transport, TargetSurface.Options());
    await server.RunAsync();
    return;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls("http://127.0.0.1:0");
#pragma warning disable MCP9004, MCP9005 // legacy SSE and stateful sessions are what the attacks target
builder.Services.AddMcpServer(options => TargetSurface.Configure(options))
    .WithHttpTransport(options =>
    {
        options.Stateless = false;
        options.EnableLegacySse = true;
    });
#pragma warning restore MCP9004, MCP9005
var app = builder.Build();
app.MapMcp("/mcp");
app.MapMcp("");
await app.StartAsync();
var address = app.Urls.First().TrimEnd('/');
Console.WriteLine($$"""{"ready":true,"mcp":"{{address}}/mcp","sse":"{{address}}/sse","base":"{{address}}"}""");
Console.Out.Flush();
await app.WaitForShutdownAsync();
