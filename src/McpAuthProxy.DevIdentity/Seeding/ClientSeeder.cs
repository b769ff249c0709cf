using System.Text.Json;
using McpAuthProxy.DevIdentity.Server;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpAuthProxy.DevIdentity.Seeding;

/// <summary>Turns a <see cref="DevIdentityClient"/> into an OpenIddict application with the permissions its grants need.</summary>
internal static class ClientSeeder
{
    private static readonly JsonElement True = JsonDocument.Parse("true").RootElement.Clone();

    public static async Task AddAsync(IOpenIddictApplicationManager manager, DevIdentityClient client, CancellationToken cancellationToken)
    {
        var confidential = client.ClientSecret is not null;
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientSecret = client.ClientSecret,
            ClientType = confidential ? ClientTypes.Confidential : ClientTypes.Public,
            ApplicationType = confidential ? ApplicationTypes.Web : ApplicationTypes.Native,
            ConsentType = ConsentTypes.Explicit,
            DisplayName = client.DisplayName ?? client.ClientId,
        };

        foreach (var uri in client.RedirectUris)
        {
            descriptor.RedirectUris.Add(uri);
        }

        if (client.AnyLoopbackRedirect)
        {
            descriptor.Properties[DevApplicationManager.AnyLoopbackProperty] = True;
        }

        descriptor.Permissions.Add(Permissions.Endpoints.Token);
        descriptor.Permissions.Add(Permissions.Endpoints.Revocation);
        if (confidential)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
        }

        foreach (var grant in client.GrantTypes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.GrantType + grant);
            switch (grant)
            {
                case GrantTypes.AuthorizationCode:
                    descriptor.Permissions.Add(Permissions.Endpoints.Authorization);
                    descriptor.Permissions.Add(Permissions.ResponseTypes.Code);
                    descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
                    break;
                case GrantTypes.DeviceCode:
                    descriptor.Permissions.Add(Permissions.Endpoints.DeviceAuthorization);
                    break;
            }
        }

        await manager.CreateAsync(descriptor, cancellationToken).ConfigureAwait(false);
    }
}
