using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace McpAuthProxy.Gateway.Configuration;

/// <summary>
/// YAML read into plain nodes (mappings as ordered dictionaries, sequences as lists, scalars as strings or null),
/// through YamlDotNet's node model: no reflection, AOT-safe.
/// </summary>
internal static class YamlTree
{
    public static Dictionary<string, object?> Parse(string text)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(text);
        stream.Load(reader);
        if (stream.Documents.Count == 0)
        {
            return new Dictionary<string, object?>(StringComparer.Ordinal);
        }

        return Convert(stream.Documents[0].RootNode) switch
        {
            Dictionary<string, object?> map => map,
            null => new Dictionary<string, object?>(StringComparer.Ordinal),
            _ => throw new YamlException("the top level of config.yaml must be a mapping of keys (e.g. 'listen_port: 8080')"),
        };
    }

    private static object? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Children)
                {
                    map[((key as YamlScalarNode)?.Value) ?? key.ToString()] = Convert(value);
                }

                return map;
            case YamlSequenceNode sequence:
                return sequence.Children.Select(Convert).ToList();
            case YamlScalarNode scalar:
                if (scalar.Style == ScalarStyle.Plain && (scalar.Value is null or "" or "~" or "null" or "Null" or "NULL"))
                {
                    return null;
                }

                return scalar.Value;
            default:
                return string.Create(CultureInfo.InvariantCulture, $"{node}");
        }
    }
}
