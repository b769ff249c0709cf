using System.Text;
using Microsoft.AspNetCore.Http;

namespace McpAuthProxy.Gateway.Transport;

/// <summary>
/// 2026-07-28 request metadata headers: <c>Mcp-Method</c> and <c>Mcp-Name</c> must match the body (values may be sent as
/// <c>=?base64?...?=</c>); from that version on they are required. The gateway checks what it reads and never trusts
/// the headers for policy.
/// </summary>
internal static class ProtocolHeaders
{
    public const string ModernVersion = "2026-07-28";

    /// <summary>Null when the headers agree with the body, else what is wrong.</summary>
    public static string? Check(HttpRequest request, JsonRpcBody body)
    {
        var methodHeader = Decode(request.Headers["Mcp-Method"].ToString());
        var nameHeader = Decode(request.Headers["Mcp-Name"].ToString());
        var version = request.Headers["MCP-Protocol-Version"].ToString();
        var modern = string.CompareOrdinal(version, ModernVersion) >= 0 && version.Length == ModernVersion.Length;

        if (body.Messages.Count != 1 || body.Messages[0].Method is not { } method)
        {
            return null;
        }

        var name = body.Messages[0].Name;
        if (methodHeader is null)
        {
            return modern ? "Mcp-Method header is required" : null;
        }

        if (!string.Equals(methodHeader, method, StringComparison.Ordinal))
        {
            return $"Mcp-Method header '{methodHeader}' does not match the body's method '{method}'";
        }

        if (name is not null && method is "tools/call" or "prompts/get" or "resources/read")
        {
            if (nameHeader is null)
            {
                return modern ? "Mcp-Name header is required" : null;
            }

            if (!string.Equals(nameHeader, name, StringComparison.Ordinal))
            {
                return $"Mcp-Name header '{nameHeader}' does not match the body's name '{name}'";
            }
        }
        else if (nameHeader is not null && name is not null && !string.Equals(nameHeader, name, StringComparison.Ordinal))
        {
            return $"Mcp-Name header '{nameHeader}' does not match the body's name '{name}'";
        }

        return null;
    }

    private static string? Decode(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        if (value.StartsWith("=?base64?", StringComparison.OrdinalIgnoreCase) && value.EndsWith("?=", StringComparison.Ordinal))
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(value[9..^2]));
            }
            catch (FormatException)
            {
                return value;
            }
        }

        return value;
    }
}
