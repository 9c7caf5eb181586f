using OpsConsole.Core.Alerts;
using OpsConsole.Web.Features.Alerts;
using OpsConsole.Web.Tests.Features.Alerts.Rules;

namespace OpsConsole.Web.Tests.Features.Alerts;

/// <summary>The real rule manager and the console's PromQL engine over a real metric store, fed an hour of scrapes.</summary>
public sealed class AlertExpressionHistoryTests : IDisposable
{
    private readonly RulesTestBed _bed = new();

    [Fact]
    public async Task Evaluates_the_rules_expression_back_over_the_hour_for_the_alerts_labels()
    {
        _bed.Write("shop.rules.yml", Rule);
        Assert.True((await _bed.ReloadAsync()).Succeeded);
        // An hour of scrapes, 15 s apart: no errors for the first half, then 10 of every 100 requests fail.
        for (var i = 0; i <= 240; i++)
        {
            _bed.Time.SetUtcNow(RulesTestBed.Start.AddSeconds(15 * i));
            var errors = i <= 120 ? 0 : 10L * (i - 120);
            _bed.Scrape(100L * i, errors);
        }

        var alert = Alert();
        var history = History();

        var series = await history.ForAsync(alert, _bed.Time.GetUtcNow());

        Assert.NotNull(series);
        Assert.True(series.Evaluated);
        Assert.Equal(AlertExpressionHistory.Points, series.Values.Length);
        Assert.Equal(RulesTestBed.Start, series.From);
        Assert.Equal(0, series.Values[5], 6);
        Assert.Equal(0.1, series.Values[^1], 6);
        // Another job's labels select nothing; an ingested alert or an unknown rule has no expression to ask.
        Assert.Null(await history.ForAsync(alert with { Labels = LabelSet.Of(("alertname", "HighErrorRatio"), ("job", "other")) }, _bed.Time.GetUtcNow()));
        Assert.Null(await history.ForAsync(alert with { Source = AlertSource.Alertmanager }, _bed.Time.GetUtcNow()));
        Assert.Null(await history.ForAsync(alert with { Origin = "gone.yml / shop / HighErrorRatio" }, _bed.Time.GetUtcNow()));
    }

    [Fact]
    public async Task Data_that_starts_late_in_the_hour_fills_the_whole_line()
    {
        _bed.Write("shop.rules.yml", Rule);
        Assert.True((await _bed.ReloadAsync()).Succeeded);
        // Scraped only for the last 10 minutes of the hour.
        for (var i = 200; i <= 240; i++)
        {
            _bed.Time.SetUtcNow(RulesTestBed.Start.AddSeconds(15 * i));
            _bed.Scrape(100L * i, 5L * i);
        }

        var series = await History().ForAsync(Alert(), _bed.Time.GetUtcNow());

        Assert.NotNull(series);
        Assert.True(series.From >= _bed.Time.GetUtcNow().AddMinutes(-12), $"starts at {series.From:O}");
        Assert.All(series.Values, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(0.05, series.Values[^1], 6);
    }

    [Fact]
    public async Task Data_of_the_last_minute_only_is_a_short_line_over_two_minutes()
    {
        _bed.Write("shop.rules.yml", Rule);
        Assert.True((await _bed.ReloadAsync()).Succeeded);
        for (var i = 236; i <= 240; i++)
        {
            _bed.Time.SetUtcNow(RulesTestBed.Start.AddSeconds(15 * i));
            _bed.Scrape(100L * i, 5L * i);
        }

        var now = _bed.Time.GetUtcNow();
        var series = await History().ForAsync(Alert(), now);

        Assert.NotNull(series);
        Assert.Equal(now.AddMinutes(-2), series.From);
        Assert.True(double.IsNaN(series.Values[0]));
        Assert.Equal(0.05, series.Values[^1], 6);
    }

    [Fact]
    public async Task The_expression_to_open_in_Explore_is_the_rules_for_a_rule_alert_only()
    {
        _bed.Write("shop.rules.yml", Rule);
        Assert.True((await _bed.ReloadAsync()).Succeeded);
        var alert = Alert();

        Assert.Equal(
            "sum by (job) (rate(http_requests_received_total{code=\"500\"}[1m])) / sum by (job) (rate(http_requests_received_total[1m]))",
            History().ExpressionOf(alert));
        Assert.Null(History().ExpressionOf(alert with { Source = AlertSource.Alertmanager }));
        Assert.Null(History().ExpressionOf(alert with { Origin = "gone.yml / shop / HighErrorRatio" }));
    }

    private const string Rule = """
        groups:
          - name: shop
            interval: 15s
            rules:
              - alert: HighErrorRatio
                expr: sum by (job) (rate(http_requests_received_total{code="500"}[1m])) / sum by (job) (rate(http_requests_received_total[1m]))
                labels:
                  severity: critical
        """;

    private AlertExpressionHistory History() =>
        new(_bed.Manager, new Core.Alerts.Rules.RuleEngineSelection(new Core.Alerts.Rules.ConsoleRuleQueryEngine(_bed.Store)));

    private AlertView Alert()
    {
        var rule = _bed.Manager.Status.Groups.Single().Rules.Single();
        return AlertListingTests.View(7, "HighErrorRatio", "critical", 20, ("job", "shop")) with
        {
            Source = AlertSource.Rule,
            Origin = $"{rule.File} / {rule.Group} / {rule.Name}",
        };
    }

    public void Dispose() => _bed.Dispose();
}
