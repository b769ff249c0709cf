using System.Text.Json;
using System.Text.Unicode;

namespace McpAuthProxy.Gateway.Transport;

/// <summary>
/// The JSON the gateway agrees to forward: text that every conforming parser reads as the same tree. Refused: bytes that
/// are not UTF-8 (one parser replaces them, another refuses), a byte order mark, a key that appears twice in one object
/// (one parser keeps the first, another the last), a <c>\u</c> escape that names half a surrogate pair (JavaScript keeps
/// it, .NET refuses it), and nesting deeper than 64.
/// </summary>
internal static class StrictJson
{
    public const int MaxDepth = 64;

    /// <summary>Null when <paramref name="json"/> has one reading, else why it has not.</summary>
    public static string? Check(ReadOnlySpan<byte> json)
    {
        if (json.StartsWith("\uFEFF"u8))
        {
            return "the body starts with a byte order mark";
        }

        if (!Utf8.IsValid(json))
        {
            return "the body is not valid UTF-8";
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        // One slot per open object: null until it has a second key (most objects have one or two keys, and two keys
        // compare without a set).
        var keys = new List<object?>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        keys.Add(null);
                        break;
                    case JsonTokenType.EndObject:
                        keys.RemoveAt(keys.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        {
                            var name = reader.GetString()!;
                            var slot = keys[^1];
                            if (slot is null)
                            {
                                keys[^1] = name;
                            }
                            else if (slot is string first)
                            {
                                if (string.Equals(first, name, StringComparison.Ordinal))
                                {
                                    return $"the key '{Printable(name)}' appears twice in one object";
                                }

                                keys[^1] = new HashSet<string>(StringComparer.Ordinal) { first, name };
                            }
                            else if (!((HashSet<string>)slot).Add(name))
                            {
                                return $"the key '{Printable(name)}' appears twice in one object";
                            }

                            break;
                        }

                    case JsonTokenType.String when reader.ValueIsEscaped:
                        _ = reader.GetString();
                        break;
                }
            }
        }
        catch (JsonException ex) when (ex.Message.Contains("depth", StringComparison.OrdinalIgnoreCase))
        {
            return $"the body is nested deeper than {MaxDepth} levels";
        }
        catch (JsonException)
        {
            return "the body is not JSON";
        }
        catch (InvalidOperationException)
        {
            return "the body holds a \\u escape that is half of a surrogate pair";
        }

        return null;
    }

    /// <summary>A value for an error message: control characters shown as escapes, cut at 100 characters.</summary>
    public static string Printable(string value)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var c in value.Length > 100 ? value[..100] : value)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return value.Length > 100 ? builder.Append("...").ToString() : builder.ToString();
    }
}
