using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Web.Features.Alerts.Rules;

namespace OpsConsole.Web.Tests.Features.Alerts.Rules;

public sealed class RulesTextTests
{
    private static readonly DateTimeOffset Loaded = new(2026, 11, 23, 14, 2, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("up == ", 1, 7, "up == ", "      ^")]
    [InlineData("sum(rate(x[5m]))\n  by (job) )", 2, 12, "  by (job) )", "           ^")]
    [InlineData("\tfoo +", 1, 6, "\tfoo +", "\t    ^")] // a tab stays a tab, so the caret lines up
    [InlineData("abc", 1, 99, "abc", "   ^")] // past the end: just after the last character
    public void The_marker_points_at_the_column_under_the_line_of_the_error(string expression, int line, int column, string text, string caret)
    {
        var marker = RulesText.Marker(expression, line, column);

        Assert.Equal((text, caret), marker);
    }

    [Theory]
    [InlineData(null, 1)]
    [InlineData(1, null)]
    [InlineData(3, 1)]
    [InlineData(0, 1)]
    public void No_marker_without_a_position_inside_the_expression(int? line, int? column) =>
        Assert.Null(RulesText.Marker("up\n== 1", line, column));

    [Fact]
    public void A_failed_reload_says_that_the_previous_rules_still_run_or_that_none_do()
    {
        RuleLoadError[] errors = [new("rules/shop.rules.yml", 12, 7, "shop", "HighErrorRatio", "unknown function \"ratee\"")];
        var group = new RuleGroupStatus("rules/shop.rules.yml", "shop", TimeSpan.FromSeconds(15), 0, null, null,
            [new AlertRuleStatus("rules/shop.rules.yml", "shop", 0, "Down", "up == 0", TimeSpan.Zero, TimeSpan.Zero,
                new Dictionary<string, string>(), new Dictionary<string, string>(), RuleHealth.Ok, null, null, null, [], "rule-x")]);
        var running = new RuleSetStatus(["rules/*.yml"], ["rules/shop.rules.yml"], Loaded, Loaded.AddMinutes(3), errors[0].ToString(), errors, "console", [group]);

        Assert.Equal(
            "The rules loaded at 14:02:00 UTC are still running: the rule files have an error and were not loaded (tried at 14:05:00 UTC).",
            RulesText.LoadFailureHeadline(running));
        Assert.Equal(
            "No alert rules are running: the rule files have 2 errors and were not loaded (tried at 14:05:00 UTC).",
            RulesText.LoadFailureHeadline(running with { LastLoadedAt = null, Groups = [], LoadErrors = [errors[0], errors[0]] }));
        Assert.Null(RulesText.LoadFailureHeadline(running with { LoadError = null, LoadErrors = [] }));
        Assert.Equal("rules/shop.rules.yml:12:7: group \"shop\", rule \"HighErrorRatio\": unknown function \"ratee\"", errors[0].ToString());
    }

    [Theory]
    [InlineData(0.42, "0.42")]
    [InlineData(1e-7, "1e-07")]
    [InlineData(2.5e21, "2.5e+21")]
    [InlineData(-12345.5, "-12345.5")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    public void Values_are_written_exactly(double value, string text) => Assert.Equal(text, RulesText.Value(value));

    [Fact]
    public void Durations_read_in_the_unit_that_fits()
    {
        Assert.Equal("0.25 ms", RulesText.Took(TimeSpan.FromMicroseconds(250)));
        Assert.Equal("12 ms", RulesText.Took(TimeSpan.FromMilliseconds(12.4)));
        Assert.Equal("1.5 s", RulesText.Took(TimeSpan.FromMilliseconds(1500)));
        Assert.Equal("—", RulesText.Took(null));
        Assert.Equal("unknown", RulesText.Health(RuleHealth.Unknown));
        Assert.Equal("error", RulesText.Health(RuleHealth.Err));
    }
}
