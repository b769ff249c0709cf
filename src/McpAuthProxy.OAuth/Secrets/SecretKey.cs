namespace McpAuthProxy.OAuth.Secrets;

/// <summary>Where a secret lives in an OS store: a service (ours, e.g. <c>mcp-auth-proxy:token</c>) and an account.</summary>
public readonly record struct SecretKey
{
    public SecretKey(string service, string account)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(account);
        Service = service;
        Account = account;
    }

    public string Service { get; }

    public string Account { get; }

    public override string ToString() => $"{Service}/{Account}";
}
