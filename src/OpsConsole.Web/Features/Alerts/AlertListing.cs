using System.Text;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Metrics.Query;
using OpsConsole.Web.Shared;

namespace OpsConsole.Web.Features.Alerts;

/// <summary>How the alert list is ordered: worst severity first, or by how long the alerts have been active.</summary>
public enum AlertSort
{
    Severity,
    Oldest,
    Newest,
}

/// <summary>What the Alerts page shows of the store's current alerts.</summary>
/// <param name="States">Firing, pending and (recently) resolved; empty shows none.</param>
/// <param name="Sources">Rule, Alertmanager, console; empty shows none.</param>
/// <param name="ShowSilenced">Silenced and inhibited alerts are hidden unless this is on.</param>
/// <param name="Matchers">Label matchers every shown alert satisfies.</param>
public sealed record AlertListFilter(
    IReadOnlySet<AlertState> States,
    IReadOnlySet<AlertSource> Sources,
    bool ShowSilenced,
    IReadOnlyList<LabelMatcher> Matchers)
{
    public static AlertListFilter Default { get; } = new(
        new HashSet<AlertState> { AlertState.Firing, AlertState.Pending },
        new HashSet<AlertSource> { AlertSource.Rule, AlertSource.Alertmanager, AlertSource.Console },
        ShowSilenced: false,
        []);

    public bool Accepts(AlertView alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return States.Contains(alert.State)
            && Sources.Contains(alert.Source)
            && (ShowSilenced || !IsMuted(alert))
            && (Matchers.Count == 0 || AlertMatchers.MatchesAll(Matchers, alert.Labels));
    }

    /// <summary>Silenced or inhibited while current (a resolved alert's old silences do not hide it).</summary>
    public static bool IsMuted(AlertView alert) => alert.State != AlertState.Resolved && (alert.IsSilenced || alert.IsInhibited);
}

/// <summary>One group of alerts sharing the values of the group-by labels (Alertmanager's <c>group_by</c>).</summary>
/// <param name="Key">The group's label values as text (unique per group).</param>
/// <param name="Labels">The group-by labels with this group's values ("" when an alert lacks the label).</param>
public sealed record AlertGroup(string Key, IReadOnlyList<KeyValuePair<string, string>> Labels, IReadOnlyList<AlertView> Alerts)
{
    public int Count => Alerts.Count;

    public string WorstSeverity => AlertSeverity.Worst(Alerts) ?? "none";

    public int FiringCount => Alerts.Count(a => a.State == AlertState.Firing);
}

/// <summary>The list as shown: groups in order, how many alerts they hold, and how many the filter hid as silenced.</summary>
public sealed record AlertList(IReadOnlyList<AlertGroup> Groups, int Shown, int HiddenMuted);

/// <summary>Filtering, grouping and ordering of alerts for the Alerts page (pure: the page passes the store's snapshot).</summary>
public static class AlertListing
{
    public static IReadOnlyList<string> DefaultGroupBy { get; } = ["alertname"];

    public static AlertList Build(IEnumerable<AlertView> alerts, AlertListFilter filter, IReadOnlyList<string> groupBy, AlertSort sort)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(groupBy);
        var hidden = 0;
        var shown = new List<AlertView>();
        foreach (var alert in alerts)
        {
            if (filter.Accepts(alert))
            {
                shown.Add(alert);
            }
            else if (!filter.ShowSilenced && AlertListFilter.IsMuted(alert) && (filter with { ShowSilenced = true }).Accepts(alert))
            {
                hidden++;
            }
        }

        var comparer = Comparer(sort);
        var groups = shown
            .GroupBy(a => GroupKey(a, groupBy), StringComparer.Ordinal)
            .Select(g => new AlertGroup(
                g.Key,
                [.. groupBy.Select(name => new KeyValuePair<string, string>(name, g.First().Labels[name] ?? ""))],
                [.. g.Order(comparer)]))
            .ToList();
        // A group sorts by its first alert under the same order, then by its labels for a stable page.
        groups.Sort((x, y) =>
        {
            var byAlert = comparer.Compare(x.Alerts[0], y.Alerts[0]);
            return byAlert != 0 ? byAlert : string.CompareOrdinal(x.Key, y.Key);
        });
        return new AlertList(groups, shown.Count, hidden);
    }

    public static IComparer<AlertView> Comparer(AlertSort sort) => Comparer<AlertView>.Create((x, y) =>
    {
        var result = sort switch
        {
            AlertSort.Severity => CompareSeverity(x, y),
            AlertSort.Oldest => x.ActiveAt.CompareTo(y.ActiveAt),
            _ => y.ActiveAt.CompareTo(x.ActiveAt),
        };
        return result != 0 ? result : x.Id.CompareTo(y.Id);
    });

    /// <summary>Every label name of the alerts, for the group-by choice (alertname first).</summary>
    public static IReadOnlyList<string> LabelNames(IEnumerable<AlertView> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var alert in alerts)
        {
            foreach (var label in alert.Labels.Labels)
            {
                names.Add(label.Key);
            }
        }

        names.Remove("alertname");
        return ["alertname", .. names];
    }

    /// <summary>
    /// Label matchers typed as Alertmanager writes them, comma-separated, optionally in braces
    /// (<c>{severity="critical", job=~"shop.*"}</c>); commas inside quoted values are part of the value.
    /// Throws <see cref="AlertMatcherException"/> saying which matcher is wrong.
    /// </summary>
    public static IReadOnlyList<LabelMatcher> ParseMatchers(string? text)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.StartsWith('{') && trimmed.EndsWith('}'))
        {
            trimmed = trimmed[1..^1];
        }

        var result = new List<LabelMatcher>();
        var parts = SplitOutsideQuotes(trimmed);
        for (var i = 0; i < parts.Count; i++)
        {
            try
            {
                result.Add(AlertMatchers.Parse(parts[i]));
            }
            catch (AlertMatcherException ex)
            {
                var which = parts.Count == 1 ? "The matcher" : $"Matcher {i + 1} ({parts[i]})";
                throw new AlertMatcherException(ex.Field, $"{which}: {ex.Message}");
            }
        }

        return result;
    }

    /// <summary>Worst severity first; within one, firing before pending, then the longest active first.</summary>
    private static int CompareSeverity(AlertView x, AlertView y)
    {
        var bySeverity = AlertSeverity.Rank(x.Severity).CompareTo(AlertSeverity.Rank(y.Severity));
        if (bySeverity != 0)
        {
            return bySeverity;
        }

        var byState = StateRank(x).CompareTo(StateRank(y));
        return byState != 0 ? byState : x.ActiveAt.CompareTo(y.ActiveAt);
    }

    private static int StateRank(AlertView alert) => alert.State switch
    {
        AlertState.Firing => 0,
        AlertState.Pending => 1,
        _ => 2,
    };

    private static string GroupKey(AlertView alert, IReadOnlyList<string> groupBy)
    {
        var key = new StringBuilder();
        foreach (var name in groupBy)
        {
            // Unit separators cannot occur in label text typed by people; they keep "a","bc" apart from "ab","c".
            key.Append(name).Append('\u001f').Append(alert.Labels[name] ?? "").Append('\u001e');
        }

        return key.ToString();
    }

    private static List<string> SplitOutsideQuotes(string text)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && quoted && i + 1 < text.Length)
            {
                current.Append(c).Append(text[++i]);
                continue;
            }

            if (c == '"')
            {
                quoted = !quoted;
            }

            if (c == ',' && !quoted)
            {
                Add();
                continue;
            }

            current.Append(c);
        }

        Add();
        return parts;

        void Add()
        {
            var part = current.ToString().Trim();
            if (part.Length > 0)
            {
                parts.Add(part);
            }

            current.Clear();
        }
    }
}

/// <summary>Everything the filter bar decides: the filter (and the matcher text it came from), the group-by labels and the order.</summary>
public sealed record AlertListOptions(AlertListFilter Filter, IReadOnlyList<string> GroupBy, AlertSort Sort, string? MatcherText = null)
{
    public static AlertListOptions Default { get; } = new(AlertListFilter.Default, AlertListing.DefaultGroupBy, AlertSort.Severity);
}
