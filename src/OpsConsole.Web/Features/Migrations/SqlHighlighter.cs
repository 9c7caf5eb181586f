using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ColorCode;

namespace OpsConsole.Web.Features.Migrations;

/// <summary>One line of highlighted SQL: its number, its text, and its HTML (escaped; only <c>span class</c> tags).</summary>
public sealed record SqlLine(int Number, string Text, string Html);

/// <summary>
/// SQL as lines of highlighted HTML, so a page can put a line-number gutter (with lock-flag markers) beside them.
/// ColorCode (Windows Community Toolkit, has a SQL grammar) colours the whole script at once, so a comment or string over
/// several lines keeps its colour; its HTML is then cut at each newline, closing and reopening the spans open there.
/// Each line is checked to decode to exactly its source text with nothing but <c>&lt;span class="…"&gt;</c> tags;
/// anything else falls back to plain escaped text, so nothing unescaped ever reaches the page.
/// </summary>
public static partial class SqlHighlighter
{
    public static IReadOnlyList<SqlLine> Lines(string? sql)
    {
        var source = Normalize(sql ?? "");
        var lines = source.Split('\n');
        if (lines.Length > 1 && lines[^1].Length == 0)
        {
            lines = lines[..^1]; // a final newline ends the last line; it starts no new one
        }

        var highlighted = source.Length == 0 ? null : Highlight(source, lines);
        return [.. lines.Select((text, i) => new SqlLine(i + 1, text, highlighted?[i] ?? WebUtility.HtmlEncode(text)))];
    }

    private static string Normalize(string sql) => sql.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    /// <summary>The lines as HTML, or null when ColorCode's output is not what this expects.</summary>
    private static string[]? Highlight(string source, string[] lines)
    {
        string html;
        try
        {
            // Not thread-safe (it keeps a writer between calls), and cheap: the compiled grammar is shared.
            html = new HtmlClassFormatter().GetHtmlString(source, Languages.Sql);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or RegexMatchTimeoutException)
        {
            return null;
        }

        var start = html.IndexOf("<pre>", StringComparison.Ordinal);
        var end = html.LastIndexOf("</pre>", StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            return null;
        }

        // The formatter writes a newline after <pre> and one before </pre>.
        var body = Normalize(html[(start + 5)..end]);
        body = body.StartsWith('\n') ? body[1..] : body;
        var split = SplitLines(body);
        if (split is null || split.Count < lines.Length)
        {
            return null;
        }

        for (var i = 0; i < lines.Length; i++)
        {
            if (!string.Equals(WebUtility.HtmlDecode(Tags().Replace(split[i], "")), lines[i], StringComparison.Ordinal))
            {
                return null;
            }
        }

        // Whatever follows the source's lines is the formatter's own trailing newline: empty lines only.
        return split.Skip(lines.Length).All(l => Tags().Replace(l, "").Length == 0) ? [.. split.Take(lines.Length)] : null;
    }

    /// <summary>Cuts the HTML at each newline; null when it holds anything but text, entities and span tags.</summary>
    private static List<string>? SplitLines(string body)
    {
        var result = new List<string>();
        var open = new List<string>();
        var line = new StringBuilder();
        var i = 0;
        while (i < body.Length)
        {
            var c = body[i];
            if (c == '<')
            {
                var tag = Tag().Match(body, i);
                if (!tag.Success || tag.Index != i)
                {
                    return null;
                }

                if (tag.Groups["class"].Success)
                {
                    open.Add(tag.Value);
                }
                else if (open.Count == 0)
                {
                    return null;
                }
                else
                {
                    open.RemoveAt(open.Count - 1);
                }

                line.Append(tag.Value);
                i += tag.Length;
            }
            else if (c == '\n')
            {
                line.Append(string.Concat(Enumerable.Repeat("</span>", open.Count)));
                result.Add(line.ToString());
                line.Clear().Append(string.Concat(open));
                i++;
            }
            else if (c is '>' or '"')
            {
                return null; // ColorCode escapes these in text; seeing one raw means the output is not what this expects
            }
            else
            {
                line.Append(c);
                i++;
            }
        }

        if (open.Count != 0)
        {
            return null;
        }

        result.Add(line.ToString());
        return result;
    }

    [GeneratedRegex("""\G(?:<span class="(?<class>[A-Za-z][A-Za-z0-9]*)">|</span>)""", RegexOptions.CultureInvariant)]
    private static partial Regex Tag();

    [GeneratedRegex("""<span class="[A-Za-z][A-Za-z0-9]*">|</span>""", RegexOptions.CultureInvariant)]
    private static partial Regex Tags();
}
