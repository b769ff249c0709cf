using System.Net;
using McpAuthProxy.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Gateway.Tests.Security.Limits;

/// <summary>
/// Attack (the OAuth front): one anonymous client fills what every sign-in needs: the store of sign-ins waiting at the
/// provider (through the remembered-consent path, which skipped the limit), or the gateway's fetches of client metadata
/// documents.
/// </summary>
public sealed class FrontLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Remembered_consent_does_not_let_one_address_start_unlimited_sign_ins()
    {
        await using var front = await FrontGateway.StartAsync("  consent_rate_limit: 5");
        var clientId = await front.RegisterAsync();
        using var browser = front.NewBrowser();
        await front.SignInAsync(browser, clientId);  // approve once: the consent cookie is set

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            var (_, challenge) = FrontGateway.NewPkce();
            using var response = await browser.GetAsync(front.AuthorizeUrl(clientId, "http://127.0.0.1:33418/callback", challenge, state: $"s{i}"));
            statuses.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.Found, statuses);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.True(statuses.Count(s => s == HttpStatusCode.Found) <= 5, string.Join(", ", statuses));
    }

    [Fact]
    public async Task One_address_makes_the_gateway_fetch_at_most_20_client_metadata_documents_a_minute()
    {
        var fetched = 0;
        var builder = WebApplication.CreateSlimBuilder();
        var documents = builder.Build();
        documents.Urls.Add("http://127.0.0.1:0");
        documents.MapGet("/clients/{n}", (RequestDelegate)(async context =>
        {
            Interlocked.Increment(ref fetched);
            var url = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.Path}";
            await context.Response.WriteAsJsonAsync(new Dictionary<string, object>
            {
                ["client_id"] = url,
                ["client_name"] = "doc",
                ["redirect_uris"] = new[] { "http://127.0.0.1:33418/callback" },
                ["token_endpoint_auth_method"] = "none",
            }, Ct);
        }));
        await documents.StartAsync(Ct);
        await using var _ = documents;
        await using var front = await FrontGateway.StartAsync();
        var statuses = new List<HttpStatusCode>();
        using var browser = front.NewBrowser();

        for (var i = 0; i < 30; i++)
        {
            var (_, challenge) = FrontGateway.NewPkce();
            using var response = await browser.GetAsync(front.AuthorizeUrl($"{documents.Urls.First()}/clients/{i}", "http://127.0.0.1:33418/callback", challenge));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(20, fetched);
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }
}
