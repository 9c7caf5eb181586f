using System.Text.RegularExpressions;

namespace OpsConsole.Core.Metrics.Query;

public enum MatchOp
{
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

/// <summary>
/// One PromQL label matcher. As in Prometheus, a missing label matches as the empty string and regular expressions
/// are fully anchored; a match timeout guards against pathological patterns.
/// </summary>
public sealed class LabelMatcher
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(50);
    private readonly Regex? _regex;

    public LabelMatcher(string name, MatchOp op, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        Name = name;
        Op = op;
        Value = value;
        if (op is MatchOp.Regex or MatchOp.NotRegex)
        {
            // Compiled on its own first, so a pattern that does not compile is reported as the user wrote it (ArgumentException);
            // non-backtracking (like Prometheus's RE2) so no pattern can blow up matching time.
            _ = new Regex(value, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            _regex = new Regex($"^(?:{value})$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, MatchTimeout);
        }
    }

    public string Name { get; }

    public MatchOp Op { get; }

    public string Value { get; }

    public bool Matches(string? labelValue)
    {
        labelValue ??= "";
        return Op switch
        {
            MatchOp.Equal => string.Equals(labelValue, Value, StringComparison.Ordinal),
            MatchOp.NotEqual => !string.Equals(labelValue, Value, StringComparison.Ordinal),
            MatchOp.Regex => _regex!.IsMatch(labelValue),
            _ => !_regex!.IsMatch(labelValue),
        };
    }

    public override string ToString() => $"{Name}{OpText(Op)}\"{Escape(Value)}\"";

    internal static string OpText(MatchOp op) => op switch
    {
        MatchOp.Equal => "=",
        MatchOp.NotEqual => "!=",
        MatchOp.Regex => "=~",
        _ => "!~",
    };

    internal static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
