using OpsConsole.Core.Alerts;
using OpsConsole.Web.Features.Alerts;
using OpsConsole.Web.Shared;

namespace OpsConsole.Web.Tests.Features.Alerts;

public sealed class AlertListingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly AlertListFilter Everything = AlertListFilter.Default with
    {
        States = new HashSet<AlertState> { AlertState.Firing, AlertState.Pending, AlertState.Resolved },
        ShowSilenced = true,
    };

    private readonly List<AlertView> _alerts =
    [
        View(1, "HighErrorRatio", "critical", minutesAgo: 20, ("job", "shop"), ("instance", "a")),
        View(2, "HighErrorRatio", "warning", minutesAgo: 5, ("job", "shop"), ("instance", "b")),
        View(3, "DiskFull", "warning", minutesAgo: 90, ("job", "node"), ("instance", "db-1")),
        View(4, "DiskFull", "info", minutesAgo: 2, ("job", "node"), ("instance", "db-2")),
        View(5, "SlowRequests", "info", minutesAgo: 40, ("job", "shop")),
    ];

    [Fact]
    public void Groups_by_alertname_with_counts_and_the_worst_severity_of_each_group()
    {
        var list = AlertListing.Build(_alerts, Everything, AlertListing.DefaultGroupBy, AlertSort.Severity);

        Assert.Equal(
            [("HighErrorRatio", 2, "critical"), ("DiskFull", 2, "warning"), ("SlowRequests", 1, "info")],
            list.Groups.Select(g => (g.Labels.Single().Value, g.Count, g.WorstSeverity)));
        Assert.Equal(5, list.Shown);
    }

    [Fact]
    public void Groups_by_another_label_and_by_two_labels()
    {
        var byJob = AlertListing.Build(_alerts, Everything, ["job"], AlertSort.Severity);
        Assert.Equal([("shop", 3, "critical"), ("node", 2, "warning")], byJob.Groups.Select(g => (g.Labels.Single().Value, g.Count, g.WorstSeverity)));

        var byJobAndName = AlertListing.Build(_alerts, Everything, ["job", "alertname"], AlertSort.Severity);
        Assert.Equal(3, byJobAndName.Groups.Count);
        Assert.Equal([1L, 2L], byJobAndName.Groups[0].Alerts.Select(a => a.Id));

        // A label some alerts lack makes its own group with the empty value, as in Alertmanager.
        var byInstance = AlertListing.Build(_alerts, Everything, ["instance"], AlertSort.Severity);
        Assert.Contains(byInstance.Groups, g => g.Labels.Single().Value == "" && g.Alerts.Single().Id == 5);

        var oneGroup = AlertListing.Build(_alerts, Everything, [], AlertSort.Severity);
        Assert.Equal(5, oneGroup.Groups.Single().Count);
    }

    [Fact]
    public void Sorts_by_severity_then_longest_active_or_by_age_either_way()
    {
        var flat = Everything;
        Assert.Equal([1L, 3L, 2L, 5L, 4L], AlertListing.Build(_alerts, flat, [], AlertSort.Severity).Groups.Single().Alerts.Select(a => a.Id));
        Assert.Equal([3L, 5L, 1L, 2L, 4L], AlertListing.Build(_alerts, flat, [], AlertSort.Oldest).Groups.Single().Alerts.Select(a => a.Id));
        Assert.Equal([4L, 2L, 1L, 5L, 3L], AlertListing.Build(_alerts, flat, [], AlertSort.Newest).Groups.Single().Alerts.Select(a => a.Id));

        // Groups follow their first alert: by age the DiskFull group (db-1, 90 min) comes first.
        Assert.Equal(["DiskFull", "SlowRequests", "HighErrorRatio"],
            AlertListing.Build(_alerts, flat, AlertListing.DefaultGroupBy, AlertSort.Oldest).Groups.Select(g => g.Labels.Single().Value));
    }

    [Fact]
    public void Silenced_and_inhibited_alerts_are_hidden_and_counted_unless_asked_for()
    {
        _alerts[0] = _alerts[0] with { SilencedBy = [Guid.NewGuid()] };
        _alerts[2] = _alerts[2] with { InhibitedBy = 99 };
        var quiet = AlertListFilter.Default with { States = Everything.States };

        var hidden = AlertListing.Build(_alerts, quiet, [], AlertSort.Severity);
        Assert.Equal([2L, 5L, 4L], hidden.Groups.Single().Alerts.Select(a => a.Id));
        Assert.Equal(2, hidden.HiddenMuted);

        var shown = AlertListing.Build(_alerts, quiet with { ShowSilenced = true }, [], AlertSort.Severity);
        Assert.Equal(5, shown.Shown);
        Assert.Equal(0, shown.HiddenMuted);
    }

    [Fact]
    public void Filters_by_state_source_and_label_matchers()
    {
        _alerts[1] = _alerts[1] with { State = AlertState.Pending, FiredAt = null };
        _alerts[3] = _alerts[3] with { State = AlertState.Resolved, ResolvedAt = Now };
        _alerts[4] = _alerts[4] with { Source = AlertSource.Rule };

        Assert.Equal([1L, 2L, 3L, 5L], Ids(AlertListFilter.Default));
        Assert.Equal([2L], Ids(AlertListFilter.Default with { States = new HashSet<AlertState> { AlertState.Pending } }));
        Assert.Equal([5L], Ids(AlertListFilter.Default with { Sources = new HashSet<AlertSource> { AlertSource.Rule } }));
        Assert.Equal([1L, 2L], Ids(AlertListFilter.Default with { Matchers = AlertListing.ParseMatchers("job=\"shop\", instance=~\"a|b\"") }));
        Assert.Equal([3L, 5L], Ids(AlertListFilter.Default with { Matchers = AlertListing.ParseMatchers("{alertname!=\"HighErrorRatio\"}") }));

        List<long> Ids(AlertListFilter filter) =>
            [.. AlertListing.Build(_alerts, filter, [], AlertSort.Oldest).Groups.SelectMany(g => g.Alerts).Select(a => a.Id).Order()];
    }

    [Fact]
    public void Matcher_text_keeps_commas_inside_quotes_and_names_the_matcher_at_fault()
    {
        var matchers = AlertListing.ParseMatchers("{summary=~\"a, b.*\", job = shop}");
        Assert.Equal(["summary=~\"a, b.*\"", "job=\"shop\""], matchers.Select(m => m.ToString()));
        Assert.Empty(AlertListing.ParseMatchers("  "));

        var bad = Assert.Throws<AlertMatcherException>(() => AlertListing.ParseMatchers("job=\"shop\", instance=~\"(\""));
        Assert.StartsWith("Matcher 2 (instance=~\"(\"):", bad.Message, StringComparison.Ordinal);
        Assert.Contains("regular expression", bad.Message, StringComparison.Ordinal);
        Assert.StartsWith("The matcher:", Assert.Throws<AlertMatcherException>(() => AlertListing.ParseMatchers("just words")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Offers_every_label_name_for_grouping_with_alertname_first()
    {
        Assert.Equal(["alertname", "instance", "job", "severity"], AlertListing.LabelNames(_alerts));
    }

    [Fact]
    public void Severity_words_rank_and_colour_and_unknown_ones_rank_last_as_written()
    {
        Assert.Equal("critical", AlertSeverity.Worst(_alerts));
        Assert.True(AlertSeverity.Rank("critical") < AlertSeverity.Rank("warning"));
        Assert.True(AlertSeverity.Rank("warning") < AlertSeverity.Rank("info"));
        Assert.Equal(("sev-none", "P3"), (AlertSeverity.CssClass("P3"), AlertSeverity.Word("P3")));
        Assert.Equal("none", AlertSeverity.Word(null));
        Assert.Null(AlertSeverity.Worst([]));
    }

    internal static AlertView View(long id, string name, string severity, int minutesAgo, params (string Name, string Value)[] labels)
    {
        var activeAt = Now.AddMinutes(-minutesAgo);
        return new AlertView(
            id, AlertSource.Alertmanager, LabelSet.Of([("alertname", name), ("severity", severity), .. labels]),
            new Dictionary<string, string> { ["summary"] = $"{name} #{id}" }, AlertState.Firing, activeAt, activeAt, null, null, null, null, "tests", null,
            null, [], null, activeAt);
    }
}
