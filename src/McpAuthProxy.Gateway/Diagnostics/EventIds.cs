namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>Event ids of the gateway: 3000-3999. Never reuse or renumber.</summary>
internal static class EventIds
{
    public const int Listening = 3000;
    public const int ConfigWarning = 3001;
    public const int ConfigError = 3002;
    public const int RequestCompleted = 3010;
    public const int TokenRejected = 3011;
    public const int ScopeDenied = 3012;
    public const int OriginRejected = 3013;
    public const int SessionOwnerMismatch = 3014;
    public const int HeaderMismatch = 3015;
    public const int BodyTooLarge = 3016;
    public const int BodyRefused = 3017;
    public const int SessionsFull = 3018;
    public const int ForwardFailed = 3020;
    public const int UpstreamStreamCut = 3028;
    public const int IssuerMetadataFailed = 3021;
    public const int IntrospectionFailed = 3022;
    public const int AuthorizationServerUnreachable = 3023;
    public const int IssuerUnreachable = 3024;
    public const int IssuerReached = 3025;
    public const int IssuerKeysRefreshFailed = 3026;
    public const int TokenUncheckable = 3027;
    public const int StdioStarted = 3030;
    public const int StdioExited = 3031;
    public const int StdioRestarting = 3032;
    public const int StdioSessionLimit = 3033;
    public const int StdioSessionClosed = 3034;
    public const int StdioPumpFailed = 3035;
    public const int StdioStderr = 3036;
    public const int StdioSessionIdle = 3037;
    public const int StdioSharedStarted = 3038;
    public const int StdioSharedExited = 3039;
    public const int StdioSharedRestarting = 3041;
    public const int StdioSharedFailed = 3042;
    public const int StdioSharedServerRequestRefused = 3043;
    public const int StdioSharedForeignAnswer = 3044;
    public const int StdioSubjectSessionLimit = 3045;
    public const int StdioInFlightLimit = 3046;
    public const int ShuttingDown = 3040;
    public const int FrontClientRegistered = 3050;
    public const int FrontMetadataDocumentRejected = 3051;
    public const int FrontProviderFailed = 3052;
    public const int FrontRequestRefused = 3053;
    public const int FrontConsentGiven = 3054;
    public const int FrontSignedIn = 3055;
    public const int FrontEphemeralKey = 3056;
    public const int FrontRegistrationLimited = 3057;
    public const int FrontConsentLimited = 3058;
    public const int FrontDocumentFetchesLimited = 3059;
    public const int FrontErrorNotRedirected = 3060;
    public const int AuditRecordsDropped = 3070;
    public const int AuditWriteFailed = 3071;
    public const int DiagnosticsListening = 3072;
}
