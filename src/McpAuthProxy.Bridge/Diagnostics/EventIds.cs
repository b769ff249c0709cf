namespace McpAuthProxy.Bridge.Diagnostics;

/// <summary>Event ids of the bridge, 2000-2999. Never reuse or renumber one.</summary>
internal static class EventIds
{
    public const int Connected = 2000;
    public const int ConnectFailed = 2001;
    public const int UpstreamClosed = 2002;
    public const int Reconnecting = 2003;
    public const int Reconnected = 2004;
    public const int RequestFailed = 2010;
    public const int NotificationFailed = 2011;
    public const int RequestAnsweredWithError = 2012;
    public const int DownstreamClosed = 2020;
    public const int Stopped = 2021;
    public const int MessageUp = 2030;
    public const int MessageDown = 2031;
    public const int Era = 2032;
    public const int BrowserFailed = 2040;
    public const int AuthorizationAnswered = 2041;
    public const int InputNotJsonRpc = 2050;
    public const int InputFailed = 2051;
}
