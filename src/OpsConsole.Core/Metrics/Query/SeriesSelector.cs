using System.Text;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Metrics.Query;

/// <summary>A selector parse failure with the 1-based column it happened at.</summary>
public sealed class SelectorParseException(string message, int column) : FormatException($"{message} (at column {column})")
{
    public int Column { get; } = column;
}

/// <summary>
/// A PromQL instant-vector selector: <c>metric{label="v", other=~"re.*"}</c> or <c>{__name__="metric", ...}</c>.
/// Hand-written because no maintained .NET PromQL parser exists; the grammar here is the selector subset only.
/// </summary>
public sealed class SeriesSelector
{
    public SeriesSelector(string metricName, IReadOnlyList<LabelMatcher> matchers)
    {
        ArgumentException.ThrowIfNullOrEmpty(metricName);
        MetricName = metricName;
        Matchers = matchers;
    }

    public string MetricName { get; }

    public IReadOnlyList<LabelMatcher> Matchers { get; }

    public bool Matches(StoredSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (!string.Equals(series.MetricName, MetricName, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var matcher in Matchers)
        {
            if (!matcher.Matches(series.Label(matcher.Name)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The PromQL text, usable as-is against a Prometheus server.</summary>
    public override string ToString() =>
        Matchers.Count == 0 ? MetricName : $"{MetricName}{{{string.Join(", ", Matchers.Select(m => m.ToString()))}}}";

    public static bool TryParse(string text, out SeriesSelector? selector, out string? error)
    {
        try
        {
            selector = Parse(text);
            error = null;
            return true;
        }
        catch (SelectorParseException ex)
        {
            selector = null;
            error = ex.Message;
            return false;
        }
    }

    public static SeriesSelector Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var p = 0;
        SkipSpace(text, ref p);
        var name = ReadName(text, ref p, metric: true);
        SkipSpace(text, ref p);
        var matchers = new List<LabelMatcher>();
        if (p < text.Length && text[p] == '{')
        {
            p++;
            SkipSpace(text, ref p);
            while (p < text.Length && text[p] != '}')
            {
                var labelStart = p;
                var label = ReadName(text, ref p, metric: false);
                if (label.Length == 0)
                {
                    throw new SelectorParseException("expected a label name", p + 1);
                }

                SkipSpace(text, ref p);
                var opStart = p;
                var op = ReadOp(text, ref p);
                SkipSpace(text, ref p);
                var value = ReadString(text, ref p);
                if (label == "__name__")
                {
                    if (op != MatchOp.Equal)
                    {
                        throw new SelectorParseException("__name__ supports only =", opStart + 1);
                    }

                    if (name.Length > 0 && name != value)
                    {
                        throw new SelectorParseException("the metric name is given twice", labelStart + 1);
                    }

                    name = value;
                }
                else
                {
                    try
                    {
                        matchers.Add(new LabelMatcher(label, op, value));
                    }
                    catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
                    {
                        throw new SelectorParseException($"invalid regular expression for {label}: {ex.Message}", opStart + 1);
                    }
                }

                SkipSpace(text, ref p);
                if (p < text.Length && text[p] == ',')
                {
                    p++;
                    SkipSpace(text, ref p);
                }
                else if (p < text.Length && text[p] != '}')
                {
                    throw new SelectorParseException("expected , or }", p + 1);
                }
            }

            if (p >= text.Length)
            {
                throw new SelectorParseException("missing }", p + 1);
            }

            p++;
            SkipSpace(text, ref p);
        }

        if (p < text.Length)
        {
            throw new SelectorParseException($"unexpected '{text[p]}'", p + 1);
        }

        if (name.Length == 0)
        {
            throw new SelectorParseException("a metric name is required (name{...} or {__name__=\"name\"})", 1);
        }

        return new SeriesSelector(name, matchers);
    }

    private static void SkipSpace(string text, ref int p)
    {
        while (p < text.Length && char.IsWhiteSpace(text[p]))
        {
            p++;
        }
    }

    private static string ReadName(string text, ref int p, bool metric)
    {
        var start = p;
        while (p < text.Length && (char.IsAsciiLetter(text[p]) || text[p] == '_' || (metric && text[p] == ':') || (p > start && char.IsAsciiDigit(text[p]))))
        {
            p++;
        }

        return text[start..p];
    }

    private static MatchOp ReadOp(string text, ref int p)
    {
        if (p < text.Length && text[p] == '=')
        {
            p++;
            if (p < text.Length && text[p] == '~')
            {
                p++;
                return MatchOp.Regex;
            }

            return MatchOp.Equal;
        }

        if (p + 1 < text.Length && text[p] == '!' && text[p + 1] is '=' or '~')
        {
            p += 2;
            return text[p - 1] == '=' ? MatchOp.NotEqual : MatchOp.NotRegex;
        }

        throw new SelectorParseException("expected =, !=, =~ or !~", p + 1);
    }

    private static string ReadString(string text, ref int p)
    {
        if (p >= text.Length || text[p] is not ('"' or '\'' or '`'))
        {
            throw new SelectorParseException("expected a quoted value", p + 1);
        }

        var quote = text[p];
        var start = p;
        p++;
        var value = new StringBuilder();
        while (p < text.Length && text[p] != quote)
        {
            if (text[p] == '\\' && quote != '`' && p + 1 < text.Length)
            {
                p++;
                value.Append(text[p] switch { 'n' => '\n', 't' => '\t', _ => text[p] });
            }
            else
            {
                value.Append(text[p]);
            }

            p++;
        }

        if (p >= text.Length)
        {
            throw new SelectorParseException("unterminated string", start + 1);
        }

        p++;
        return value.ToString();
    }
}
