using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace McpAuthProxy.Gateway.Configuration;

/// <summary>
/// A YAML syntax error as one problem with the line and column where the user must look. YamlDotNet places some
/// errors at the start of the enclosing mapping (a tab in the indentation is reported at line 1), and an unclosed
/// flow sequence before another key makes its scanner throw <see cref="InvalidOperationException"/> without a position,
/// so the two most common mistakes are found in the text first.
/// </summary>
internal static class YamlSyntaxProblem
{
    private const string DefaultFix = "check the indentation (spaces, not tabs) and quote values that contain ':' or '#'";

    public static ConfigProblem Describe(string yaml, Exception exception)
    {
        var lines = yaml.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indentation = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, indentation);
            if (tab >= 0 && lines[i].Trim().Length > 0)
            {
                return Problem(i + 1, tab + 1, "a tab in the indentation", "indent with spaces only; YAML does not allow tabs there");
            }
        }

        if (UnclosedBracket(lines) is { } open)
        {
            var close = open.Bracket == '[' ? ']' : '}';
            return Problem(open.Line, open.Column, $"this '{open.Bracket}' is never closed with '{close}'",
                $"add the '{close}', or write the items as lines starting with '- '");
        }

        if (exception is YamlException { Message: var message } && Regex.Match(message, "^The anchor '(.+)' does not exists?") is { Success: true } anchor)
        {
            // Reported at the start of the document; the alias that names it is where to look.
            var alias = "*" + anchor.Groups[1].Value;
            var line = Array.FindIndex(lines, l => l.Contains(alias, StringComparison.Ordinal));
            return line < 0
                ? new ConfigProblem("config", $"not valid YAML: the alias {alias} names no anchor", $"define '&{anchor.Groups[1].Value}' before it, or write the value itself")
                : Problem(line + 1, lines[line].IndexOf(alias, StringComparison.Ordinal) + 1, $"the alias {alias} names no anchor", $"define '&{anchor.Groups[1].Value}' before it, or write the value itself");
        }

        if (exception is YamlException { Message: var duplicateMessage } duplicate && duplicateMessage.StartsWith("Duplicate key ", StringComparison.Ordinal))
        {
            return Problem((int)duplicate.Start.Line, (int)duplicate.Start.Column, $"the key '{duplicateMessage["Duplicate key ".Length..]}' is given twice in the same mapping", "keep one of them");
        }

        if (exception is YamlException yamlException)
        {
            return Problem((int)yamlException.Start.Line, (int)yamlException.Start.Column, yamlException.Message.TrimEnd('.'), DefaultFix);
        }

        return new ConfigProblem("config", $"not valid YAML ({exception.Message.TrimEnd('.')})", DefaultFix);
    }

    private static ConfigProblem Problem(int line, int column, string message, string fix) =>
        new("config", $"not valid YAML at line {line}, column {column}: {message}", fix);

    /// <summary>The first '[' or '{' of a flow collection that is still open at the end of the text.</summary>
    private static (int Line, int Column, char Bracket)? UnclosedBracket(string[] lines)
    {
        var open = new Stack<(int Line, int Column, char Bracket)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var quote = '\0';
            var line = lines[i];
            for (var j = 0; j < line.Length; j++)
            {
                var c = line[j];
                if (quote != '\0')
                {
                    quote = c == quote ? '\0' : quote;
                }
                else if (c is '"' or '\'' && (j == 0 || open.Count > 0 || line[j - 1] is ' ' or ':'))
                {
                    quote = c;
                }
                else if (c == '#' && (j == 0 || line[j - 1] == ' '))
                {
                    break;
                }
                else if (c is '[' or '{')
                {
                    open.Push((i + 1, j + 1, c));
                }
                else if (c is ']' or '}' && open.Count > 0)
                {
                    open.Pop();
                }
            }
        }

        return open.Count > 0 ? open.Last() : null;
    }
}
