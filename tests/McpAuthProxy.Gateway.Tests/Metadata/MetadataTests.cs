using System.Net;
using System.Text.Json;
using McpAuthProxy.Gateway.Tests.Infrastructure;

namespace McpAuthProxy.Gateway.Tests.Metadata;

[Collection(nameof(GatewayCollection))]
public sealed class MetadataTests(GatewayFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/.well-known/oauth-protected-resource/mcp")]
    [InlineData("/.well-known/oauth-protected-resource")]
    public async Task Protected_resource_metadata_names_the_resource_issuer_scopes_and_header_bearer_method(string path)
    {
        using var http = fixture.Http();

        using var document = JsonDocument.Parse(await http.GetStringAsync(path, Ct));

        var root = document.RootElement;
        Assert.Equal(fixture.Resource, root.GetProperty("resource").GetString());
        Assert.Equal([fixture.Idp.Issuer], root.GetProperty("authorization_servers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["mcp:tools", "mcp:admin"], root.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["header"], root.GetProperty("bearer_methods_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Protected_resource_metadata_is_readable_from_any_origin()
    {
        using var http = fixture.Http();
        var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/oauth-protected-resource/mcp");
        request.Headers.Add("Origin", "https://some-web-client.example.com");

        var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Authorization_server_metadata_mirrors_the_issuers_document_for_2025_03_26_clients()
    {
        using var http = fixture.Http();

        using var document = JsonDocument.Parse(await http.GetStringAsync("/.well-known/oauth-authorization-server", Ct));

        Assert.Equal(fixture.Idp.Issuer, document.RootElement.GetProperty("issuer").GetString());
        Assert.Equal(fixture.Idp.Issuer + "/token", document.RootElement.GetProperty("token_endpoint").GetString());
    }

    [Fact]
    public async Task Healthz_answers_ok()
    {
        using var http = fixture.Http();

        var response = await http.GetAsync("/healthz", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readyz_answers_ready_once_the_issuers_keys_are_loaded()
    {
        using var http = fixture.Http();

        var response = await http.GetAsync("/readyz", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
