using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Alerts;
using OpsConsole.Web.Features.Alerts;

namespace OpsConsole.Web.Tests.Features.Alerts;

public sealed class AlertValueHistoryTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Keeps_each_reported_value_and_spreads_them_evenly_holding_the_last_value_between_reports()
    {
        var history = new AlertValueHistory(null!, new FakeTimeProvider(Start));
        history.Record([Rule(1, 0.06)], Start);
        history.Record([Rule(1, 0.06)], Start.AddSeconds(15)); // unchanged: no new sample
        history.Record([Rule(1, 0.09)], Start.AddSeconds(30));
        history.Record([Rule(1, 0.12)], Start.AddSeconds(50));

        var series = history.For(1, Start.AddSeconds(60))!;

        Assert.Equal((Start, TimeSpan.FromSeconds(5)), (series.From, series.Step));
        Assert.Equal(13, series.Values.Length);
        Assert.Equal([0.06, 0.06, 0.06, 0.06, 0.06, 0.06, 0.09, 0.09, 0.09, 0.09, 0.12, 0.12, 0.12], series.Values);

        // The grid ends at now; a newer value the caller already sees ends the line.
        var later = history.For(1, Start.AddSeconds(62), latest: 0.2)!;
        Assert.Equal((Start.AddSeconds(2), 0.2), (later.From, later.Values[^1]));
        Assert.Equal(0.12, later.Values[^2]);
    }

    [Fact]
    public void Forgets_alerts_that_resolved_or_left_and_keeps_at_most_the_window()
    {
        var history = new AlertValueHistory(null!, new FakeTimeProvider(Start));
        history.Record([Rule(1, 1), Rule(2, 5), Ingested(3)], Start);
        history.Record([Rule(1, 2)], Start.AddMinutes(30));
        history.Record([Rule(1, 3)], Start.AddMinutes(90));

        Assert.Null(history.For(2, Start.AddMinutes(90)));
        Assert.Null(history.For(3, Start.AddMinutes(90)));
        var series = history.For(1, Start.AddMinutes(90))!;
        Assert.Equal(Start.AddMinutes(30), series.From);
        Assert.Equal(AlertValueHistory.MaxPoints + 1, series.Values.Length);
        Assert.Equal((2, 3), (series.Values[0], series.Values[^1]));

        history.Record([Rule(1, 3) with { State = AlertState.Resolved }], Start.AddMinutes(91));
        Assert.Null(history.For(1, Start.AddMinutes(91)));
    }

    private static AlertView Rule(long id, double value) =>
        AlertListingTests.View(id, "HighErrorRatio", "critical", 1) with { Source = AlertSource.Rule, Value = value };

    private static AlertView Ingested(long id) => AlertListingTests.View(id, "DiskFull", "warning", 1);
}
