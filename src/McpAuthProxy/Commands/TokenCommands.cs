using System.CommandLine;
using McpAuthProxy.Hosting;
using McpAuthProxy.OAuth;
using McpAuthProxy.OAuth.Diagnostics;
using McpAuthProxy.OAuth.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace McpAuthProxy.Commands;

/// <summary>
/// <c>login [URL]</c>, <c>logout [URL]</c> and <c>status [URL]</c>: the token cache by hand. Tokens themselves are never
/// printed. The URL is the MCP server's, as the bridge is given it; tokens are cached per issuer when one is configured
/// and per server otherwise (discovery mode).
/// </summary>
internal static class TokenCommands
{
    public static IEnumerable<Command> Create(CommandHelp help) => [Login(help), Logout(), Status()];

    private static Command Login(CommandHelp help)
    {
        var symbols = new BridgeSymbols();
        symbols.Url.Description = "The MCP server the token is for, as the bridge is given it (optional) [env: MCP_BACKEND_URL]";
        var command = new Command("login", "Sign in ahead of time with the bridge's options, so the desktop client starts without a browser.");
        symbols.AddTo(command);
        help.Describe(command, ["[options] [URL]"], "Give the same options as in the desktop client's configuration (flags or their environment variables), including --resource when the server's gateway checks the token's audience.");
        command.SetAction(async (parse, ct) =>
        {
            await Task.Yield();
            var error = parse.InvocationConfiguration.Error;
            var errors = new List<string>();
            var level = symbols.LogLevel(parse, out var levelError);
            // Every bridge option is checked, as the bridge would, though login uses only the sign-in ones.
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
                return CommandOutput.Fail(error, parse, errors);
            }

            using var logging = new CommandLogging(level);
            return await CommandOutput.GuardAsync(logging, async () =>
            {
                using var backchannel = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
                await using var tokens = TokenProvider.Create(oauth, server, backchannel, TimeProvider.System, logging.Factory, logging.Notify);
                var token = await tokens.SignInAheadAsync().WaitAsync(oauth.LoginTimeout + TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                logging.Notify($"Signed in to {token.AuthorizationServer ?? token.Issuer} as client {token.ClientId}; token {Fingerprint.Of(token.AccessToken)} cached in {tokens.Store.Describe(tokens.Key)}.");
                return 0;
            }, error, CommandHelp.PathOf(parse.CommandResult.Command)).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Logout()
    {
        var url = ServerArgument("The MCP server whose token to forget (discovery mode), or an issuer URL");
        var issuer = ValueOptions.Text("--oidc-issuer-url", "URL", "an absolute http(s) URL, your identity provider's issuer", "https://auth.example.com",
            "Forget the token of this issuer [env: OIDC_ISSUER_URL]");
        var all = new Option<bool>("--all") { Description = "Forget every cached token" };
        var dir = BridgeSymbols.TokenDirOption();
        var command = new Command("logout", "Forget cached tokens, so the next start signs in again.") { url, issuer, all, dir };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var store = Store(parse.GetValue(dir));
            // The issuer names the token in issuer mode; the server URL in discovery mode.
            var named = Value(parse.GetValue(issuer)) ?? Value(parse.GetValue(url));
            var key = named ?? Value(Environment.GetEnvironmentVariable("OIDC_ISSUER_URL"));
            if (parse.GetValue(all))
            {
                if (named is not null)
                {
                    return CommandOutput.Fail(error, parse, [$"--all forgets every token; leave out '{named}', or leave out --all to forget only that one."]);
                }

                var removed = store.ReadAll().Select(f => f.Path).ToList();
                foreach (var path in removed)
                {
                    File.Delete(path);
                }

                error.WriteLine(removed.Count == 0 ? $"No cached tokens in {store.Directory}." : $"Forgot {removed.Count} cached token(s) in {store.Directory}.");
                return 0;
            }

            if (key is null)
            {
                return CommandOutput.Fail(error, parse, ["Say which token to forget: the MCP server's URL (mcp-auth-proxy logout https://mcp.example.com/mcp), --oidc-issuer-url URL (issuer mode), or --all."]);
            }

            // A server URL is the key as the bridge spells it (Uri.AbsoluteUri); an issuer as it was given.
            var spelled = Uri.TryCreate(key, UriKind.Absolute, out var asUrl) ? asUrl.AbsoluteUri : key;
            error.WriteLine(store.Delete(key) || (spelled != key && store.Delete(spelled)) ? $"Forgot the token for {key}." : $"No cached token for {key} (looked for {store.PathFor(key)}).");
            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var url = ServerArgument("Show only the token of this MCP server (discovery mode) or issuer");
        var dir = BridgeSymbols.TokenDirOption();
        var command = new Command("status", "Show what is cached (never the tokens themselves: an 8-character fingerprint).") { url, dir };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var store = Store(parse.GetValue(dir));
            var only = Value(parse.GetValue(url));
            var found = 0;
            foreach (var (path, token) in store.ReadAll())
            {
                if (only is not null && Path.GetFileName(path) != Path.GetFileName(store.PathFor(only)))
                {
                    continue;
                }

                found++;
                if (token is null)
                {
                    output.WriteLine($"{Path.GetFileName(path)}: unreadable (moved aside)");
                    continue;
                }

                var now = DateTimeOffset.UtcNow;
                var state = token.ExpiresAt is not { } at ? "expiry unknown" : at > now ? $"valid until {at:yyyy-MM-dd HH:mm:ss}Z" : $"expired {at:yyyy-MM-dd HH:mm:ss}Z";
                output.WriteLine($"{Path.GetFileName(path)}: {(token.McpServer is { } mcp ? $"server {mcp}, " : "")}issuer {token.Issuer ?? "?"}, client {token.ClientId ?? "?"}, scopes '{token.RequestedScopes ?? token.Scope ?? ""}', access token {Fingerprint.Of(token.AccessToken)} {state}, refresh token: {(token.RefreshToken is null ? "no" : "yes")}");
            }

            if (found == 0)
            {
                output.WriteLine(only is null ? $"No cached tokens in {store.Directory}." : $"No cached token for {only} (looked for {store.PathFor(only)}).");
            }

            return 0;
        });
        return command;
    }

    private static Argument<string?> ServerArgument(string description) => new("URL") { Description = description, Arity = ArgumentArity.ZeroOrOne };

    private static FileTokenStore Store(string? directory) =>
        new(Value(directory) ?? Value(Environment.GetEnvironmentVariable("MCP_PROXY_TOKEN_DIR")) ?? FileTokenStore.DefaultDirectory, TimeProvider.System, NullLogger<FileTokenStore>.Instance);

    private static string? Value(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
