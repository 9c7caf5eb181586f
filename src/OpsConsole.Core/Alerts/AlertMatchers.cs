using System.Text;
using System.Text.RegularExpressions;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Alerts;

/// <summary>A matcher that cannot be built, with the part of the request or configuration at fault.</summary>
public sealed class AlertMatcherException(string field, string message) : FormatException(message)
{
    /// <summary>"name", "op" or "value" (the caller prefixes its own path, e.g. "matchers[0].value").</summary>
    public string Field { get; } = field;
}

/// <summary>
/// Alertmanager's matchers over alert labels (<c>=</c>, <c>!=</c>, <c>=~</c>, <c>!~</c>): the metric store's
/// <see cref="LabelMatcher"/> (anchored, non-backtracking, with a match timeout), built from the three parts of an API
/// request or from Alertmanager's text form (<c>severity="critical"</c>, <c>job=~"shop|api"</c>, unquoted values allowed).
/// </summary>
public static partial class AlertMatchers
{
    public static IReadOnlyList<string> Operators { get; } = ["=", "!=", "=~", "!~"];

    /// <summary>A matcher from its parts; <see cref="AlertMatcherException"/> names the bad part.</summary>
    public static LabelMatcher Create(string? name, string? op, string? value)
    {
        if (string.IsNullOrEmpty(name) || !LabelName().IsMatch(name))
        {
            throw new AlertMatcherException("name", $"\"{name}\" is not a label name (letters, digits and _, not starting with a digit).");
        }

        var matchOp = op switch
        {
            "=" => MatchOp.Equal,
            "!=" => MatchOp.NotEqual,
            "=~" => MatchOp.Regex,
            "!~" => MatchOp.NotRegex,
            _ => throw new AlertMatcherException("op", $"\"{op}\" is not a matcher operator (one of =, !=, =~, !~)."),
        };
        if (value is null)
        {
            throw new AlertMatcherException("value", "a matcher needs a value (\"\" for the empty string).");
        }

        try
        {
            return new LabelMatcher(name, matchOp, value);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            throw new AlertMatcherException("value", $"\"{value}\" is not a usable regular expression: {ex.Message}");
        }
    }

    /// <summary>Alertmanager's text form of one matcher: <c>name op value</c>, the value optionally in double quotes.</summary>
    public static LabelMatcher Parse(string? text)
    {
        var trimmed = text?.Trim() ?? "";
        var match = MatcherText().Match(trimmed);
        if (!match.Success)
        {
            throw new AlertMatcherException("name", $"\"{text}\" is not a matcher (name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\").");
        }

        return Create(match.Groups["name"].Value, match.Groups["op"].Value, Unquote(match.Groups["value"].Value.Trim()));
    }

    /// <summary>True when every matcher holds for the labels (a missing label is the empty string, as in Alertmanager).</summary>
    public static bool MatchesAll(IReadOnlyList<LabelMatcher> matchers, LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var matcher in matchers)
        {
            if (!Matches(matcher, labels[matcher.Name]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One matcher against a value; a regular expression that runs out of time counts as no match.</summary>
    public static bool Matches(LabelMatcher matcher, string? value)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        try
        {
            return matcher.Matches(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>Alertmanager refuses a silence whose every matcher matches the empty string: it would silence everything.</summary>
    public static bool MatchesEmpty(LabelMatcher matcher) => Matches(matcher, "");

    public static string OperatorText(MatchOp op) => LabelMatcher.OpText(op);

    /// <summary>Alertmanager's text form: <c>name="value"</c> with the value quoted and escaped.</summary>
    public static string Format(LabelMatcher matcher)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        return matcher.ToString();
    }

    private static string Unquote(string value)
    {
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"')
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        for (var i = 1; i < value.Length - 1; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length - 1)
            {
                i++;
                builder.Append(value[i] switch { 'n' => '\n', 't' => '\t', _ => value[i] });
            }
            else
            {
                builder.Append(value[i]);
            }
        }

        return builder.ToString();
    }

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelName();

    [GeneratedRegex("^(?<name>[^=!~\\s\"]+)\\s*(?<op>=~|!~|!=|=)(?<value>.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex MatcherText();
}
