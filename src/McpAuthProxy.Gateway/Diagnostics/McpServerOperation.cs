using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using McpAuthProxy.Gateway.Audit;
using McpAuthProxy.Telemetry.Conventions;

namespace McpAuthProxy.Gateway.Diagnostics;

/// <summary>
/// One MCP request on its way through the gateway, from parse to answer: it holds the server span, and when disposed
/// it ends the span, records <c>mcp.server.operation.duration</c> and writes the audit record. The pipeline tells it
/// what happened as it happens (<see cref="Authenticated"/>, <see cref="Allowed"/> or <see cref="Refused"/>,
/// <see cref="StartUpstream"/>, <see cref="Complete"/>); every call is cheap when telemetry is off.
/// </summary>
internal sealed class McpServerOperation : IDisposable
{
    private readonly McpRequestTelemetry _owner;
    private readonly McpRequestInfo _request;
    private readonly Activity? _previous;
    private readonly long _started;
    private readonly DateTimeOffset _time;
    private string? _subject;
    private string? _clientId;
    private string? _session;
    private string? _upstream;
    private bool? _allowed;
    private string? _reason;
    private int _status;
    private int? _errorCode;
    private string? _errorMessage;
    private string? _errorType;
    private JsonElement? _result;
    private int _disposed;

    internal McpServerOperation(McpRequestTelemetry owner, in McpRequestInfo request, Activity? activity, Activity? previous)
    {
        _owner = owner;
        _request = request;
        Activity = activity;
        _previous = previous;
        _session = request.SessionId;
        _started = owner.Clock.GetTimestamp();
        _time = owner.Clock.GetUtcNow();
    }

    /// <summary>The server span; null when tracing is off or the request has no MCP method.</summary>
    public Activity? Activity { get; }

    public McpRequestInfo Request => _request;

    /// <summary>The token was valid: its subject and client go on the span and in the audit record.</summary>
    public void Authenticated(string? subject, string? clientId)
    {
        _subject = subject;
        _clientId = clientId;
        if (Activity is { IsAllDataRequested: true } activity)
        {
            activity.SetTag(GatewayAttributes.Subject, subject);
            activity.SetTag(GatewayAttributes.ClientId, clientId);
        }
    }

    /// <summary>Every check passed; the request goes upstream.</summary>
    public void Allowed() => Decide(null);

    /// <summary>The gateway refused the request (<paramref name="reason"/>: one of <see cref="RefusalReasons"/>).</summary>
    public void Refused(string reason) => Decide(reason);

    /// <summary>The session the request belongs to became known (the upstream named it in its answer to initialize).</summary>
    public void SessionAssigned(string? sessionId)
    {
        _session = sessionId;
        Activity?.SetTag(McpAttributes.SessionId, sessionId);
    }

    /// <summary>
    /// A child CLIENT span for the call to the upstream, current until disposed (so an HttpClient or YARP propagates
    /// it); inject it into a stdio message with <see cref="McpUpstreamCall.InjectInto(ReadOnlySpan{byte})"/>.
    /// </summary>
    public McpUpstreamCall StartUpstream(UpstreamTarget target)
    {
        _upstream = target.Name;
        Activity? call = null;
        if (Activity is { } parent && _request.Method is { } method)
        {
            var tags = new TagList
            {
                { McpAttributes.MethodName, method },
                { McpAttributes.NetworkTransport, target.Kind == UpstreamTarget.Stdio ? McpAttributeValues.Pipe : McpAttributeValues.Tcp },
                { GatewayAttributes.UpstreamKind, target.Kind },
            };
            AddTarget(ref tags, _request);
            if (target.Address is { } address)
            {
                tags.Add(McpAttributes.ServerAddress, address);
                if (target.Port is { } port)
                {
                    tags.Add(McpAttributes.ServerPort, port);
                }
            }

            if (_request.RequestId is { } id)
            {
                tags.Add(McpAttributes.JsonRpcRequestId, id);
            }

            call = GatewayTelemetry.Source.StartActivity(parent.DisplayName, ActivityKind.Client, parent.Context, tags);
        }

        return new McpUpstreamCall(call, target.Kind, _owner.Metrics);
    }

    /// <summary>The answer's <c>result</c>, for the audit log when it asks for results.</summary>
    public void ResultSeen(JsonElement result)
    {
        if (_owner.Audit.Options.IncludeResults)
        {
            _result = result.Clone();
        }
    }

    /// <summary>
    /// How the request was answered: the HTTP status, and the JSON-RPC error when the answer was one.
    /// <paramref name="errorType"/> overrides the default <c>error.type</c> (the error code, or a 5xx status). A later
    /// call replaces the status and keeps the error an earlier call gave, so a refusal can say its code where it writes
    /// the answer and the pipeline's <c>finally</c> can still say <c>Complete(context.Response.StatusCode)</c>.
    /// </summary>
    public void Complete(int status, int? errorCode = null, string? errorMessage = null, string? errorType = null)
    {
        _status = status;
        _errorCode = errorCode ?? _errorCode;
        _errorMessage = errorMessage ?? _errorMessage;
        _errorType = errorType ?? _errorType;
    }

    /// <summary>The request ended with an exception (the answer is a 500 unless the response had started).</summary>
    public void Fail(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        _errorType ??= exception.GetType().FullName;
        _errorMessage ??= exception.Message;
        if (_status == 0)
        {
            _status = 500;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        var elapsed = _owner.Clock.GetElapsedTime(_started);
        var errorType = _errorType
            ?? (_errorCode is { } code ? code.ToString(CultureInfo.InvariantCulture)
            : _status >= 500 ? _status.ToString(CultureInfo.InvariantCulture) : null);
        var statusCode = _errorCode?.ToString(CultureInfo.InvariantCulture);

        if (Activity is { } activity)
        {
            if (errorType is not null)
            {
                activity.SetTag(McpAttributes.ErrorType, errorType);
                activity.SetTag(McpAttributes.RpcResponseStatusCode, statusCode);
                activity.SetStatus(ActivityStatusCode.Error, _errorMessage);
            }

            activity.Dispose();
            System.Diagnostics.Activity.Current = _previous;
        }

        if (_request.Method is { } method && _owner.Metrics.OperationDurationEnabled)
        {
            var tags = new TagList
            {
                { McpAttributes.MethodName, McpMethods.ForMetrics(method) },
                { McpAttributes.NetworkTransport, McpAttributeValues.Tcp },
            };
            // Names a caller chooses count only once the request was allowed (a refused caller cannot add series).
            if (_allowed == true)
            {
                if (_request.ToolName is { } tool)
                {
                    tags.Add(McpAttributes.ToolName, _owner.Metrics.Targets.Admit(tool));
                }
                else if (_request.PromptName is { } prompt)
                {
                    tags.Add(McpAttributes.PromptName, _owner.Metrics.Targets.Admit(prompt));
                }
            }

            if (McpMethods.VersionForMetrics(_request.ProtocolVersion) is { } version)
            {
                tags.Add(McpAttributes.ProtocolVersion, version);
            }

            if (errorType is not null)
            {
                tags.Add(McpAttributes.ErrorType, _owner.Metrics.ErrorTypes.Admit(errorType));
                if (statusCode is not null)
                {
                    tags.Add(McpAttributes.RpcResponseStatusCode, _owner.Metrics.ErrorTypes.Admit(statusCode));
                }
            }

            _owner.Metrics.OperationCompleted(elapsed.TotalSeconds, tags);
        }

        if (_owner.Audit.Enabled)
        {
            _owner.Audit.Write(new AuditRecord
            {
                Time = _time,
                Subject = _subject,
                ClientId = _clientId,
                Session = _session,
                HttpMethod = _request.HttpMethod,
                Method = _request.Method,
                RequestId = _request.RequestId,
                Tool = _request.ToolName,
                Prompt = _request.PromptName,
                Resource = _request.ResourceUri,
                Decision = _allowed switch { true => GatewayAttributes.Allowed, false => GatewayAttributes.Refused, null => null },
                Reason = _reason,
                Status = _status,
                ErrorCode = _errorCode,
                ErrorType = errorType,
                DurationMs = Math.Round(elapsed.TotalMilliseconds, 3),
                Upstream = _allowed == true ? _upstream : null,
                ClientAddress = _request.ClientAddress,
                TraceId = Activity?.TraceId.ToHexString(),
                Arguments = _owner.Audit.Options.IncludeArguments ? _request.Arguments : null,
                Result = _result,
            });
        }
    }

    internal static void AddTarget(ref TagList tags, in McpRequestInfo request)
    {
        if (request.ToolName is { } tool)
        {
            tags.Add(McpAttributes.ToolName, tool);
            tags.Add(McpAttributes.OperationName, McpAttributeValues.ExecuteTool);
        }
        else if (request.PromptName is { } prompt)
        {
            tags.Add(McpAttributes.PromptName, prompt);
        }
        else if (request.ResourceUri is { } uri)
        {
            tags.Add(McpAttributes.ResourceUri, uri);
        }
    }

    private void Decide(string? reason)
    {
        if (_allowed is not null)
        {
            return;
        }

        _allowed = reason is null;
        _reason = reason;
        _owner.Metrics.Decision(_request.Method, reason);
        if (Activity is { IsAllDataRequested: true } activity)
        {
            activity.SetTag(GatewayAttributes.Decision, reason is null ? GatewayAttributes.Allowed : GatewayAttributes.Refused);
            activity.SetTag(GatewayAttributes.Reason, reason);
        }
    }
}
