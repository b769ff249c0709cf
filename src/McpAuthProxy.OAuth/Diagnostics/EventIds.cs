namespace McpAuthProxy.OAuth.Diagnostics;

/// <summary>Event ids of the OAuth client, 1000-1999. Never reuse or renumber one.</summary>
internal static class EventIds
{
    public const int DiscoveryFetched = 1000;
    public const int DiscoveryFailed = 1001;
    public const int TokenFromCache = 1010;
    public const int TokenCacheCorrupt = 1011;
    public const int TokenCacheMismatch = 1012;
    public const int TokenStored = 1013;
    public const int TokenCacheLegacy = 1014;
    public const int TokenMigrated = 1015;
    public const int ClientMigrated = 1016;
    public const int RefreshStarted = 1020;
    public const int RefreshSucceeded = 1021;
    public const int RefreshFailed = 1022;
    public const int LoginStarted = 1030;
    public const int LoginUrl = 1031;
    public const int BrowserLaunchFailed = 1032;
    public const int LoginSucceeded = 1033;
    public const int LoginFailed = 1034;
    public const int CallbackListening = 1035;
    public const int CallbackRejected = 1036;
    public const int HttpExchange = 1040;
    public const int Challenge = 1041;
    public const int RetryAfterChallenge = 1042;
    public const int StepUp = 1043;
    public const int AuthorizationServerMoved = 1044;
    public const int WaitingForLock = 1050;
    public const int RegistrationStored = 1060;
    public const int Registered = 1061;
    public const int DeviceCode = 1070;
    public const int ClientCredentialsIssued = 1080;
}
