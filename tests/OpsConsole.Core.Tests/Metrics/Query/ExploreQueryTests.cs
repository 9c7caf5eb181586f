using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Tests.Metrics.Query;

public sealed class ExploreQueryTests
{
    private static readonly DateTimeOffset To = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static RangeQuery Build(string text, bool rate = false) => ExploreQuery.Build(text, rate, To.AddMinutes(-15), To, TimeSpan.FromSeconds(15));

    [Fact]
    public void A_metric_selector_stays_a_selector_query_and_the_rate_switch_wraps_it()
    {
        var query = Build("req{code=\"500\"}", rate: true);

        Assert.Null(query.Expression);
        Assert.Equal("req", query.Selector.MetricName);
        Assert.Equal("rate(req{code=\"500\"}[60s])", query.ToPromQl(TimeSpan.FromMinutes(1)));
        Assert.Equal("rate(req{code=\"500\"}) per second", ExploreQuery.Title(query));
    }

    [Fact]
    public void An_expression_goes_as_PromQL_and_the_rate_switch_does_not_apply_to_it()
    {
        var query = Build("  sum by (code) (rate(req[5m])) ", rate: true);

        Assert.Equal("sum by (code) (rate(req[5m]))", query.Expression);
        Assert.False(query.Rate);
        Assert.Equal("sum by (code) (rate(req[5m]))", query.ToPromQl(TimeSpan.FromMinutes(1)));
        Assert.Equal("sum by (code) (rate(req[5m]))", ExploreQuery.Title(query));
        Assert.False(ExploreQuery.IsSelector("sum by (code) (rate(req[5m]))"));
    }

    [Fact]
    public void A_selector_without_a_metric_name_is_an_expression_the_rate_switch_can_still_wrap()
    {
        var query = Build("{job=\"shop\"}", rate: true);

        Assert.True(ExploreQuery.IsSelector("{job=\"shop\"}"));
        Assert.Equal("rate({job=\"shop\"}[60s])", query.ToPromQl(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void Blank_text_is_an_invalid_query()
    {
        var refused = Assert.Throws<MetricQueryException>(() => Build("  "));

        Assert.True(refused.IsInvalidQuery);
        Assert.False(ExploreQuery.IsSelector(" "));
    }

    [Theory]
    [InlineData(15, 2, 4)]
    [InlineData(5, 2, 2)]
    [InlineData(15, 15, 15)]
    [InlineData(60 * 24 * 7, 15, 2520)]
    public void The_step_is_about_240_per_range_in_whole_seconds_and_never_finer_than_the_scrapes(int rangeMinutes, int scrapeSeconds, int stepSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(stepSeconds), ExploreQuery.StepFor(TimeSpan.FromMinutes(rangeMinutes), TimeSpan.FromSeconds(scrapeSeconds)));
    }
}
