using System.Collections.Concurrent;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Metrics.PromQl;

/// <summary>
/// A <see cref="LabelMatcher"/> as the evaluator runs it: label values repeat across series and evaluations (codes,
/// jobs, methods), so a regular expression's answer per value is remembered (up to a bound) instead of re-run.
/// </summary>
internal sealed class CompiledMatcher
{
    private const int MaxRemembered = 10_000;
    private readonly LabelMatcher _matcher;
    private readonly ConcurrentDictionary<string, bool>? _remembered;

    public CompiledMatcher(LabelMatcher matcher)
    {
        _matcher = matcher;
        Name = matcher.Name;
        Op = matcher.Op;
        Value = matcher.Value;
        if (Op is MatchOp.Regex or MatchOp.NotRegex)
        {
            _remembered = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        }

        MatchesEmpty = Matches("");
    }

    public string Name { get; }

    public MatchOp Op { get; }

    public string Value { get; }

    /// <summary>Whether a series without the label matches (then the label's index cannot narrow the candidates).</summary>
    public bool MatchesEmpty { get; }

    public bool Matches(string value)
    {
        switch (Op)
        {
            case MatchOp.Equal:
                return string.Equals(value, Value, StringComparison.Ordinal);
            case MatchOp.NotEqual:
                return !string.Equals(value, Value, StringComparison.Ordinal);
            default:
                if (_remembered!.TryGetValue(value, out var known))
                {
                    return known;
                }

                var matches = _matcher.Matches(value);
                if (_remembered.Count < MaxRemembered)
                {
                    _remembered.TryAdd(value, matches);
                }

                return matches;
        }
    }
}
