using System.CommandLine;
using McpAuthProxy.Hosting;
using McpAuthProxy.OAuth;
using McpAuthProxy.OAuth.Diagnostics;
using McpAuthProxy.OAuth.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpAuthProxy.Commands;

/// <summary><c>login</c>, <c>logout</c> and <c>status</c>: the token cache by hand. Tokens themselves are never printed.</summary>
internal static class TokenCommands
{
    public static IEnumerable<Command> Create() => [Login(), Logout(), Status()];

    private static Command Login()
    {
        var symbols = new BridgeSymbols();
        var command = new Command("login", "Sign in ahead of time (the same options as the bridge; the server URL is optional), so the desktop client starts without a browser.");
        symbols.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await Task.Yield();
            var errors = new List<string>();
            var level = symbols.LogLevel(parse, out var levelError);
            var bridge = symbols.ToBridgeOptions(parse, errors, requireUrl: false);
            var oauth = bridge?.OAuth;
            var server = symbols.HasServerUrl(parse) ? bridge?.ServerUrl : null;
            if (levelError is not null)
            {
                errors.Add(levelError);
            }

            if (oauth is { Issuer: null } && server is null && errors.Count == 0)
            {
                errors.Add("Say what to sign in to: the MCP server's URL (mcp-auth-proxy login https://mcp.example.com/mcp), or --oidc-issuer-url and --oidc-client-id.");
            }

            if (oauth is null || errors.Count > 0)
            {
                return CommandOutput.Fail(errors);
            }

            using var logging = new CommandLogging(level);
            return await CommandOutput.GuardAsync(logging, async () =>
            {
                using var backchannel = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
                await using var tokens = TokenProvider.Create(oauth, server, backchannel, TimeProvider.System, logging.Factory, logging.Notify);
                var token = await tokens.SignInAheadAsync().WaitAsync(oauth.LoginTimeout + TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                logging.Notify($"Signed in to {token.AuthorizationServer ?? token.Issuer} as client {token.ClientId}; token {Fingerprint.Of(token.AccessToken)} cached in {tokens.Store.Describe(tokens.Key)}.");
                return 0;
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Logout()
    {
        var issuer = new Option<string?>("--oidc-issuer-url") { Description = "Forget the token of this issuer (or MCP server URL, for discovery mode) [env: OIDC_ISSUER_URL]", HelpName = "URL" };
        var all = new Option<bool>("--all") { Description = "Forget every cached token" };
        var dir = new Option<string?>("--token-dir") { Description = $"Folder of the token cache [env: MCP_PROXY_TOKEN_DIR] [default: {FileTokenStore.DefaultDirectory}]", HelpName = "PATH" };
        var command = new Command("logout", "Forget cached tokens, so the next start signs in again.") { issuer, all, dir };
        command.SetAction(parse =>
        {
            var store = Store(parse.GetValue(dir));
            var key = Value(parse.GetValue(issuer)) ?? Value(Environment.GetEnvironmentVariable("OIDC_ISSUER_URL"));
            if (parse.GetValue(all))
            {
                var removed = store.ReadAll().Select(f => f.Path).ToList();
                foreach (var path in removed)
                {
                    File.Delete(path);
                }

                Console.Error.WriteLine(removed.Count == 0 ? "No cached tokens." : $"Forgot {removed.Count} cached token(s) in {store.Directory}.");
                return 0;
            }

            if (key is null)
            {
                return CommandOutput.Fail(["Say which token to forget: --oidc-issuer-url URL (the issuer, or the MCP server URL in discovery mode), or --all."]);
            }

            // A server URL is the key as the bridge spells it (Uri.AbsoluteUri); an issuer as it was given.
            var spelled = Uri.TryCreate(key, UriKind.Absolute, out var asUrl) ? asUrl.AbsoluteUri : key;
            Console.Error.WriteLine(store.Delete(key) || (spelled != key && store.Delete(spelled)) ? $"Forgot the token for {key}." : $"No cached token for {key} (looked for {store.PathFor(key)}).");
            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var dir = new Option<string?>("--token-dir") { Description = $"Folder of the token cache [env: MCP_PROXY_TOKEN_DIR] [default: {FileTokenStore.DefaultDirectory}]", HelpName = "PATH" };
        var command = new Command("status", "Show what is cached (never the tokens themselves: an 8-character fingerprint).") { dir };
        command.SetAction(parse =>
        {
            var store = Store(parse.GetValue(dir));
            var found = 0;
            foreach (var (path, token) in store.ReadAll())
            {
                found++;
                if (token is null)
                {
                    Console.Out.WriteLine($"{Path.GetFileName(path)}: unreadable (moved aside)");
                    continue;
                }

                var now = DateTimeOffset.UtcNow;
                var state = token.ExpiresAt is not { } at ? "expiry unknown" : at > now ? $"valid until {at:yyyy-MM-dd HH:mm:ss}Z" : $"expired {at:yyyy-MM-dd HH:mm:ss}Z";
                Console.Out.WriteLine($"{Path.GetFileName(path)}: {(token.McpServer is { } mcp ? $"server {mcp}, " : "")}issuer {token.Issuer ?? "?"}, client {token.ClientId ?? "?"}, scopes '{token.RequestedScopes ?? token.Scope ?? ""}', access token {Fingerprint.Of(token.AccessToken)} {state}, refresh token: {(token.RefreshToken is null ? "no" : "yes")}");
            }

            if (found == 0)
            {
                Console.Out.WriteLine($"No cached tokens in {store.Directory}.");
            }

            return 0;
        });
        return command;
    }

    private static FileTokenStore Store(string? directory) =>
        new(Value(directory) ?? Value(Environment.GetEnvironmentVariable("MCP_PROXY_TOKEN_DIR")) ?? FileTokenStore.DefaultDirectory, TimeProvider.System, NullLogger<FileTokenStore>.Instance);

    private static string? Value(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
