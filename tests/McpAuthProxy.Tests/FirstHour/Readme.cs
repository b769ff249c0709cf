using System.Text;
using System.Text.RegularExpressions;
using McpAuthProxy.Testing;

namespace McpAuthProxy.Tests.FirstHour;

/// <summary>One fenced code block of README.md: its language, the "## " section it is in, and its text.</summary>
public sealed record CodeBlock(string Language, string Section, string Text);

/// <summary>README.md read as a new user reads it: code blocks in order, and shell lines split into words as bash does.</summary>
public static partial class Readme
{
    public static string Path => System.IO.Path.Combine(RepoPaths.Root, "README.md");

    public static IReadOnlyList<CodeBlock> Blocks()
    {
        var blocks = new List<CodeBlock>();
        var section = "";
        string? language = null;
        var text = new StringBuilder();
        foreach (var line in File.ReadAllLines(Path))
        {
            if (language is null && line.StartsWith("## ", StringComparison.Ordinal))
            {
                section = line[3..].Trim();
            }
            else if (line.StartsWith("```", StringComparison.Ordinal))
            {
                if (language is null)
                {
                    language = line[3..].Trim();
                    text.Clear();
                }
                else
                {
                    blocks.Add(new CodeBlock(language, section, text.ToString()));
                    language = null;
                }
            }
            else if (language is not null)
            {
                text.AppendLine(line);
            }
        }

        return blocks;
    }

    /// <summary>The commands of a shell block: one per line, the comment after '#' dropped, words split as bash splits them.</summary>
    public static IEnumerable<string[]> Commands(CodeBlock block) =>
        block.Text.Split('\n').Select(Words).Where(words => words.Length > 0);

    /// <summary>Words of one shell line: single and double quotes, backslash escapes, a '#' comment after a space.</summary>
    public static string[] Words(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        var quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else if (c == '\\' && quote == '"' && i + 1 < line.Length)
                {
                    word.Append(line[++i]);
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else if (c == '#' && !inWord)
            {
                break;
            }
            else if (c == '\\' && i + 1 < line.Length)
            {
                word.Append(line[++i]);
                inWord = true;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return [.. words];
    }

    /// <summary>
    /// The arguments given to mcp-auth-proxy by a shell command, or null when the command is something else:
    /// <c>mcp-auth-proxy ARGS</c> (after VAR=value assignments), <c>dnx mcp-auth-proxy -- ARGS</c>,
    /// <c>dotnet run --project src/McpAuthProxy -- ARGS</c>.
    /// </summary>
    public static string[]? ProxyArguments(string[] words)
    {
        var start = 0;
        while (start < words.Length && Assignment().IsMatch(words[start]))
        {
            start++;
        }

        var rest = words[start..];
        return rest switch
        {
            ["mcp-auth-proxy", .. var args] => args,
            ["dnx", "mcp-auth-proxy", "--", .. var args] => args,
            ["dotnet", "run", "--project", "src/McpAuthProxy", "--", .. var args] => args,
            _ => null,
        };
    }

    [GeneratedRegex("^[A-Z_][A-Z0-9_]*=")]
    private static partial Regex Assignment();
}
