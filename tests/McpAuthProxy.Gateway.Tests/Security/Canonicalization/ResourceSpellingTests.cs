using System.Net;
using McpAuthProxy.Gateway.Tests.Security.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Security.Canonicalization;

/// <summary>
/// Attack: read a resource that needs mcp:admin with a token that has only mcp:tools, by naming it in another spelling
/// that the server resolves to the same resource. Against the TypeScript and the C# SDK servers, over HTTP and stdio.
/// </summary>
[Collection(nameof(SecurityCollection))]
public sealed class ResourceSpellingTests(SecurityFixture fixture)
{
    [Theory]
    [MemberData(nameof(AttackTargets.AllData), MemberType = typeof(AttackTargets))]
    public async Task The_canonical_spelling_is_served_to_a_holder_of_the_scope_and_refused_to_others(string target)
    {
        var admin = await fixture.SessionAsync(target, admin: true);
        var attacker = await fixture.SessionAsync(target);

        Assert.True((await admin.ReadResourceAsync("file:///secret")).LeaksSecret);
        Assert.True((await admin.ReadResourceAsync("file:///vault/x")).LeaksSecret);
        var refused = await attacker.ReadResourceAsync("file:///secret");
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("public text", (await attacker.ReadResourceAsync("file:///public")).Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AttackTargets.AllData), MemberType = typeof(AttackTargets))]
    public async Task Every_other_spelling_of_a_protected_resource_is_refused(string target)
    {
        var attacker = await fixture.SessionAsync(target);
        var leaks = new List<string>();
        foreach (var spelling in UriSpellings.OfFileSecret.Concat(UriSpellings.OfOthers))
        {
            var answer = await attacker.ReadResourceAsync(spelling);
            if (answer.LeaksSecret || !answer.Refused)
            {
                leaks.Add($"{System.Text.Json.JsonSerializer.Serialize(spelling)} -> {answer}");
            }
        }

        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }

    [Theory]
    [InlineData("FILE:///secret", "uppercase scheme")]
    [InlineData("file:///a/../secret", "'.' or '..'")]
    [InlineData("file:///%73ecret", "percent-encodes 's'")]
    [InlineData("file://localhost/secret", "localhost")]
    [InlineData(" file:///secret", "space or control")]
    [InlineData("file:///secret#x", "fragment")]
    public async Task A_non_canonical_spelling_is_refused_with_400_saying_why(string spelling, string reason)
    {
        var attacker = await fixture.SessionAsync("ts/http");

        var answer = await attacker.ReadResourceAsync(spelling);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(-32602, answer.ErrorCode);
        Assert.Contains(reason, answer.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AttackTargets.AllData), MemberType = typeof(AttackTargets))]
    public async Task Subscribing_to_a_protected_resource_needs_its_scope(string target)
    {
        var attacker = await fixture.SessionAsync(target);

        var answer = await attacker.AskAsync(attacker.Message("resources/subscribe", """{"uri":"file:///secret"}"""));

        Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
    }

    [Theory]
    [MemberData(nameof(AttackTargets.AllData), MemberType = typeof(AttackTargets))]
    public async Task Lists_hide_the_resources_templates_prompts_and_tools_the_token_may_not_use(string target)
    {
        var attacker = await fixture.SessionAsync(target);
        var admin = await fixture.SessionAsync(target, admin: true);

        var resources = await attacker.ListAsync("resources/list");
        var templates = await attacker.ListAsync("resources/templates/list");
        var prompts = await attacker.ListAsync("prompts/list");
        var tools = await attacker.ListAsync("tools/list");

        Assert.Contains("file:///public", resources.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("file:///secret", resources.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("demo://notes/secret", resources.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("file:///vault/", templates.Text, StringComparison.Ordinal);
        Assert.Contains("greeting", prompts.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret_prompt", prompts.Text, StringComparison.Ordinal);
        Assert.Contains("echo", tools.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("admin_reset", tools.Text, StringComparison.Ordinal);
        Assert.Contains("file:///secret", (await admin.ListAsync("resources/list")).Text, StringComparison.Ordinal);
        Assert.Contains("file:///vault/{name}", (await admin.ListAsync("resources/templates/list")).Text, StringComparison.Ordinal);
        Assert.Contains("secret_prompt", (await admin.ListAsync("prompts/list")).Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AttackTargets.AllData), MemberType = typeof(AttackTargets))]
    public async Task A_protected_prompt_is_refused_in_any_case(string target)
    {
        var attacker = await fixture.SessionAsync(target);

        foreach (var name in new[] { "secret_prompt", "Secret_Prompt", "SECRET_PROMPT" })
        {
            var answer = await attacker.AskAsync(attacker.Message("prompts/get", $$"""{"name":"{{name}}"}"""));
            Assert.False(answer.LeaksSecret, answer.ToString());
            Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
        }

        foreach (var name in new[] { " secret_prompt", "secret_prompt\t", "secret_prompt\u0000" })
        {
            var answer = await attacker.AskAsync(attacker.Message("prompts/get", "{\"name\":" + System.Text.Json.JsonSerializer.Serialize(name) + "}"));
            Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        }
    }
}
