namespace OpsConsole.Core.Alerts;

/// <summary>An alert as inhibition sees it: its key, labels and whether it fires (only firing alerts inhibit).</summary>
public readonly record struct InhibitionCandidate<TKey>(TKey Key, LabelSet Labels, bool Firing);

/// <summary>
/// Alertmanager's inhibition (notify/inhibit.go): a target alert is muted when, for some rule, it matches the target
/// matchers and a firing alert matching the source matchers has the same values for every <c>Equal</c> label (a label
/// missing on both sides counts as equal). When the target also matches the source matchers, source alerts that match
/// the target matchers too are not considered, so an alert never inhibits itself or its peers of the same kind.
/// </summary>
public static class Inhibition
{
    /// <summary>For each inhibited alert, the key of one alert that inhibits it.</summary>
    public static IReadOnlyDictionary<TKey, TKey> Compute<TKey>(IReadOnlyList<InhibitionCandidate<TKey>> alerts, IReadOnlyList<InhibitRule> rules)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(rules);
        var inhibited = new Dictionary<TKey, TKey>();
        if (rules.Count == 0 || alerts.Count == 0)
        {
            return inhibited;
        }

        // Each rule's source cache: the firing alerts its source matchers select (as Alertmanager's scache).
        var sources = rules.Select(rule => alerts.Where(a => a.Firing && AlertMatchers.MatchesAll(rule.SourceMatchers, a.Labels)).ToList()).ToList();
        foreach (var target in alerts)
        {
            for (var r = 0; r < rules.Count; r++)
            {
                var rule = rules[r];
                if (!AlertMatchers.MatchesAll(rule.TargetMatchers, target.Labels))
                {
                    continue;
                }

                var excludeTwoSided = AlertMatchers.MatchesAll(rule.SourceMatchers, target.Labels);
                if (FindInhibitor(rule, sources[r], target.Labels, excludeTwoSided) is { } source)
                {
                    inhibited[target.Key] = source.Key;
                    break;
                }
            }
        }

        return inhibited;
    }

    /// <summary>True when <paramref name="source"/> (firing, matching the rule's source side) would mute <paramref name="target"/>.</summary>
    public static bool Inhibits(InhibitRule rule, LabelSet source, LabelSet target)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        return AlertMatchers.MatchesAll(rule.TargetMatchers, target)
            && AlertMatchers.MatchesAll(rule.SourceMatchers, source)
            && EqualLabels(rule, source, target)
            && !(AlertMatchers.MatchesAll(rule.SourceMatchers, target) && AlertMatchers.MatchesAll(rule.TargetMatchers, source));
    }

    private static InhibitionCandidate<TKey>? FindInhibitor<TKey>(
        InhibitRule rule, List<InhibitionCandidate<TKey>> sources, LabelSet target, bool excludeTwoSided)
        where TKey : notnull
    {
        foreach (var source in sources)
        {
            if (!EqualLabels(rule, source.Labels, target))
            {
                continue;
            }

            if (excludeTwoSided && AlertMatchers.MatchesAll(rule.TargetMatchers, source.Labels))
            {
                continue;
            }

            return source;
        }

        return null;
    }

    private static bool EqualLabels(InhibitRule rule, LabelSet source, LabelSet target)
    {
        foreach (var name in rule.Equal)
        {
            if (!string.Equals(source[name] ?? "", target[name] ?? "", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
