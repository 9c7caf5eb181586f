using OpsConsole.Core.Metrics.PromQl;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Tests.Metrics.PromQl;

/// <summary>Range evaluation as Prometheus's query_range: one instant evaluation per step, gathered into series by labelset.</summary>
public sealed class PromQlRangeEvaluatorTests
{
    private const double Tolerance = 1e-9;

    /// <summary>Counters scraped every 15 s for two minutes: code 200 goes 2/s for the first minute and 4/s after, code 500 0.2/s.</summary>
    private static TestStore Requests()
    {
        var store = new TestStore();
        for (var i = 0; i <= 8; i++)
        {
            store.Add("req{code=\"200\", job=\"shop\"}", (15 * i, i <= 4 ? 30 * i : 120 + (60 * (i - 4))));
            store.Add("req{code=\"500\", job=\"shop\"}", (15 * i, 3 * i));
        }

        return store;
    }

    private static IReadOnlyList<PromQlRangeSeries> Evaluate(TestStore store, string expression, params long[] seconds) =>
        new PromQlRangeEvaluator(store.Store).Evaluate(PromQlParser.Parse(expression), [.. seconds.Select(s => s * 1000)]);

    [Fact]
    public void A_sum_of_rates_has_the_expected_value_at_each_step()
    {
        var series = Assert.Single(Evaluate(Requests(), "sum(rate(req[1m]))", 60, 90, 120));

        Assert.Null(series.MetricName);
        Assert.Empty(series.Labels);
        // [0,60]: 2 + 0.2; [30,90]: (30+30+60+60)/60 + 0.2; [60,120]: 4 + 0.2.
        Assert.Equal([2.2, 3.2, 4.2], series.Values, (a, b) => Math.Abs(a - b) < Tolerance);
    }

    [Fact]
    public void By_code_gives_one_series_per_code_with_only_that_label()
    {
        var series = Evaluate(Requests(), "sum by (code) (rate(req[1m]))", 60, 90, 120).ToDictionary(s => s.Labels.Single().Value);

        Assert.Equal(["200", "500"], series.Keys.Order(StringComparer.Ordinal));
        Assert.All(series.Values, s => Assert.Equal("code", s.Labels.Single().Key));
        Assert.Equal([2, 3, 4], series["200"].Values, (a, b) => Math.Abs(a - b) < Tolerance);
        Assert.Equal([0.2, 0.2, 0.2], series["500"].Values, (a, b) => Math.Abs(a - b) < Tolerance);
    }

    [Fact]
    public void A_selector_keeps_its_name_and_a_series_that_appears_late_has_gaps_before()
    {
        var store = new TestStore()
            .Add("temp{room=\"a\"}", (0, 20), (60, 21))
            .Add("temp{room=\"b\"}", (60, 30));

        var series = Evaluate(store, "temp", 0, 30, 60).ToDictionary(s => s.Labels.Single().Value);

        Assert.All(series.Values, s => Assert.Equal("temp", s.MetricName));
        Assert.Equal([20d, 20d, 21d], series["a"].Values);
        Assert.True(double.IsNaN(series["b"].Values[0]) && double.IsNaN(series["b"].Values[1]), "b has no sample before 60 s");
        Assert.Equal(30, series["b"].Values[2]);
    }

    [Fact]
    public void A_scalar_result_is_one_series_without_labels()
    {
        var series = Assert.Single(Evaluate(new TestStore(), "time() * 2", 10, 20));

        Assert.Null(series.MetricName);
        Assert.Empty(series.Labels);
        Assert.Equal([20d, 40d], series.Values);
    }

    [Fact]
    public void Steps_where_a_filter_drops_the_series_are_gaps()
    {
        var series = Assert.Single(Evaluate(Requests(), "sum(rate(req{code=\"200\"}[1m])) > 2.5", 60, 90, 120));

        Assert.True(double.IsNaN(series.Values[0]), "2 is not above 2.5");
        Assert.Equal([3, 4], series.Values[1..], (a, b) => Math.Abs(a - b) < Tolerance);
    }

    [Fact]
    public void More_values_than_the_cap_are_refused_as_a_query_to_narrow()
    {
        var evaluator = new PromQlRangeEvaluator(Requests().Store);

        var refused = Assert.Throws<MetricQueryException>(() => evaluator.Evaluate(PromQlParser.Parse("req"), [60_000, 90_000, 120_000], maxValues: 5));

        Assert.True(refused.IsInvalidQuery);
        Assert.Contains("too many series", refused.Message, StringComparison.Ordinal);
        Assert.Single(evaluator.Evaluate(PromQlParser.Parse("req{code=\"500\"}"), [60_000, 90_000, 120_000], maxValues: 5));
    }
}
