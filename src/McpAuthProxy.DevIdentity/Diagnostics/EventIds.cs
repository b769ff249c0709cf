namespace McpAuthProxy.DevIdentity.Diagnostics;

/// <summary>Event ids of the development identity provider: 4000-4999. Never reuse or renumber.</summary>
internal static class EventIds
{
    public const int Started = 4000;
    public const int Stopped = 4001;
    public const int SignedIn = 4010;
    public const int SignInFailed = 4011;
    public const int ConsentGiven = 4020;
    public const int ConsentDenied = 4021;
    public const int DeviceApproved = 4022;
    public const int ClientRegistered = 4030;
    public const int ClientRegistrationRejected = 4031;
    public const int TokensRevoked = 4040;
}
