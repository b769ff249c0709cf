using CsCheck;
using McpAuthProxy.Gateway.Authorization;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using McpAuthProxy.Gateway.Tests.Security.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security.Canonicalization;

/// <summary>
/// Differential properties of the gateway's resource URI rule, checked against what real parsers and servers do with
/// generated spellings: whatever the gateway accepts, the TypeScript SDK's URL parser leaves as it is; and whenever a
/// server resolves a spelling to a protected resource, the gateway refuses that spelling to a token without the scope.
/// </summary>
[Collection(nameof(SecurityCollection))]
public sealed class UriSpellingPropertyTests(SecurityFixture fixture)
{
    // URI-ish text: what the hand-written generator does not reach, random strings over the characters URIs are made of.
    private static readonly Gen<string> RandomUris =
        Gen.Select(Gen.OneOf(Gen.Const("file:"), Gen.Const("http:"), Gen.Const("demo:"), Gen.Const("HTTPS:"), Gen.Const("urn:")),
            Gen.String[Gen.Char["/\\.%2eEsSfF:@?#[]x0 \t-_~!$&'()*+,;=AaZ5"], 0, 16], (scheme, rest) => scheme + rest);

    [Fact]
    public async Task Every_uri_the_gateway_accepts_is_a_fixed_point_of_WHATWG_URL_as_the_TypeScript_SDK_parses_it()
    {
        NodePeers.RequireInstalled();
        const string Script = "require('readline').createInterface({input:process.stdin}).on('line',l=>{let o=null;try{o=new URL(JSON.parse(l)).toString()}catch{}console.log(JSON.stringify(o))})";
        await using var node = ChildProcess.Start(NodePeers.Node, ["-e", Script]);
        var accepted = 0;

        await Gen.OneOf(UriSpellings.Generated, RandomUris, Gen.OneOf(UriSpellings.Protected.Select(Gen.Const).ToArray())).SampleAsync(async spelling =>
        {
            if (ResourceUri.Problem(spelling) is not null)
            {
                return;
            }

            accepted++;
            await node.StandardInput.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(spelling));
            await node.StandardInput.FlushAsync();
            var parsed = System.Text.Json.JsonSerializer.Deserialize<string?>(await node.ReadStdoutLineAsync(TestContext.Current.CancellationToken));
            Assert.True(parsed == spelling, $"the gateway accepts {System.Text.Json.JsonSerializer.Serialize(spelling)}, which new URL() reads as {parsed ?? "an error"}");
        }, iter: 3000, threads: 1);

        Assert.True(accepted > 0, "the generator produced no canonical URI");
    }

    [Fact]
    public void Whatever_System_Uri_takes_for_a_protected_uri_the_gateway_refuses_or_matches_to_its_rule()
    {
        Gen.Select(UriSpellings.Generated, Gen.Int[0, UriSpellings.Protected.Length - 1]).Sample((spelling, which) =>
        {
            var protectedUri = UriSpellings.Protected[which];
            if (Uri.TryCreate(spelling, UriKind.Absolute, out var parsed) && parsed == new Uri(protectedUri) && ResourceUri.Problem(spelling) is null)
            {
                Assert.Equal(ResourceUri.MatchKey(protectedUri), ResourceUri.MatchKey(spelling));
            }
        }, iter: 5000);
    }

    [Theory]
    [MemberData(nameof(AttackTargets.HttpData), MemberType = typeof(AttackTargets))]
    public async Task A_spelling_the_server_resolves_to_a_protected_resource_is_refused_through_the_gateway(string target)
    {
        var gateway = await fixture.GatewayAsync(target);
        var attacker = await fixture.SessionAsync(target);
        var direct = await RawSession.OpenAsync(gateway.UpstreamBaseUrl + "/mcp", token: null);
        var resolvedByServer = 0;

        await UriSpellings.Generated.SampleAsync(async spelling =>
        {
            if ((await direct.ReadResourceAsync(spelling)).LeaksProtectedResource)
            {
                resolvedByServer++;
            }

            var answer = await attacker.ReadResourceAsync(spelling);
            Assert.False(answer.LeaksProtectedResource, $"{System.Text.Json.JsonSerializer.Serialize(spelling)} leaked: {answer}");
        }, iter: 150, threads: 1);

        // The property is not vacuous: the server does resolve some of the generated spellings to a protected resource.
        Assert.True(resolvedByServer > 0, "no generated spelling reached a protected resource at the server directly");
    }
}
