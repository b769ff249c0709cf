using System.Globalization;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpAuthProxy.Demo.SampleServer;

/// <summary>
/// The sample server's tools, written against the low-level handlers (no reflection, AOT-safe).
/// <see cref="AdminReset"/> is the one a gateway should guard with a higher scope (e.g. <c>mcp:admin</c>).
/// </summary>
public sealed class SampleTools(TimeProvider clock)
{
    public const string Echo = "echo";
    public const string Add = "add";
    public const string CurrentTime = "current_time";
    public const string AdminReset = "admin_reset";

    private long _calls;

    /// <summary>Tool calls answered since start or since the last <see cref="AdminReset"/>.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>The tool list, as <c>tools/list</c> returns it.</summary>
    public static IReadOnlyList<Tool> All { get; } =
    [
        new Tool
        {
            Name = Echo,
            Title = "Echo",
            Description = "Returns the message it is given.",
            InputSchema = Schema("""{"type":"object","properties":{"message":{"type":"string","description":"Text to send back"}},"required":["message"]}"""),
            Annotations = new ToolAnnotations { ReadOnlyHint = true, IdempotentHint = true, OpenWorldHint = false },
        },
        new Tool
        {
            Name = Add,
            Title = "Add",
            Description = "Adds two numbers.",
            InputSchema = Schema("""{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}"""),
            Annotations = new ToolAnnotations { ReadOnlyHint = true, IdempotentHint = true, OpenWorldHint = false },
        },
        new Tool
        {
            Name = CurrentTime,
            Title = "Current time",
            Description = "The server's current time in ISO 8601, in UTC or in an IANA time zone.",
            InputSchema = Schema("""{"type":"object","properties":{"timezone":{"type":"string","description":"IANA time zone, e.g. Europe/Paris; UTC when omitted"}}}"""),
            Annotations = new ToolAnnotations { ReadOnlyHint = true, OpenWorldHint = false },
        },
        new Tool
        {
            Name = AdminReset,
            Title = "Reset counters (admin)",
            Description = "Resets the server's call counter. Administrative: the gateway demands the mcp:admin scope for it.",
            InputSchema = Schema("""{"type":"object","properties":{}}"""),
            Annotations = new ToolAnnotations { ReadOnlyHint = false, DestructiveHint = true, IdempotentHint = true, OpenWorldHint = false },
        },
    ];

    /// <summary>Answers one <c>tools/call</c>. Bad arguments give a tool error result; an unknown tool a protocol error.</summary>
    public CallToolResult Call(CallToolRequestParams request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var arguments = request.Arguments ?? new Dictionary<string, JsonElement>();
        Interlocked.Increment(ref _calls);
        return request.Name switch
        {
            Echo => arguments.TryGetValue("message", out var m) && m.ValueKind == JsonValueKind.String
                ? Text(m.GetString()!)
                : Error("echo needs a string 'message', e.g. {\"message\":\"hello\"}"),
            Add => arguments.TryGetValue("a", out var a) && a.ValueKind == JsonValueKind.Number &&
                   arguments.TryGetValue("b", out var b) && b.ValueKind == JsonValueKind.Number
                ? Text((a.GetDouble() + b.GetDouble()).ToString(CultureInfo.InvariantCulture))
                : Error("add needs numbers 'a' and 'b', e.g. {\"a\":2,\"b\":3}"),
            CurrentTime => Time(arguments),
            AdminReset => Reset(),
            _ => throw new McpProtocolException($"Unknown tool '{request.Name}'. Call tools/list for the tools of this server.", McpErrorCode.InvalidParams),
        };
    }

    private CallToolResult Time(IDictionary<string, JsonElement> arguments)
    {
        var now = clock.GetUtcNow();
        if (!arguments.TryGetValue("timezone", out var zone) || zone.ValueKind != JsonValueKind.String || zone.GetString() is not { Length: > 0 } id)
        {
            return Text(now.ToString("O", CultureInfo.InvariantCulture));
        }

        try
        {
            var local = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(id));
            return Text(local.ToString("O", CultureInfo.InvariantCulture) + " (" + id + ")");
        }
        catch (TimeZoneNotFoundException)
        {
            return Error($"Unknown time zone '{id}'; use an IANA name such as Europe/Paris, or omit it for UTC.");
        }
    }

    private CallToolResult Reset()
    {
        var before = Interlocked.Exchange(ref _calls, 0) - 1; // this call was counted on entry
        return Text($"Counters reset ({before.ToString(CultureInfo.InvariantCulture)} calls before this one).");
    }

    private static CallToolResult Text(string text) => new() { Content = [new TextContentBlock { Text = text }] };

    private static CallToolResult Error(string text) => new() { IsError = true, Content = [new TextContentBlock { Text = text }] };

    private static JsonElement Schema(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
