using OpsConsole.Core.Alerts;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Tests.Alerts;

public sealed class AlertMatchersTests
{
    [Theory]
    [InlineData("severity=\"critical\"", "severity", MatchOp.Equal, "critical")]
    [InlineData("severity=critical", "severity", MatchOp.Equal, "critical")]
    [InlineData(" job != \"shop\" ", "job", MatchOp.NotEqual, "shop")]
    [InlineData("job=~\"shop|api\"", "job", MatchOp.Regex, "shop|api")]
    [InlineData("job!~api.*", "job", MatchOp.NotRegex, "api.*")]
    [InlineData("summary=\"say \\\"hi\\\"\"", "summary", MatchOp.Equal, "say \"hi\"")]
    [InlineData("instance=\"\"", "instance", MatchOp.Equal, "")]
    public void Alertmanagers_text_form_parses_quoted_and_unquoted_values(string text, string name, MatchOp op, string value)
    {
        var matcher = AlertMatchers.Parse(text);

        Assert.Equal((name, op, value), (matcher.Name, matcher.Op, matcher.Value));
    }

    [Theory]
    [InlineData("shop", "shop", true)]
    [InlineData("shop", "sampleshop", false)] // anchored at both ends, as in Prometheus and Alertmanager
    [InlineData("shop", "shop-api", false)]
    [InlineData("shop.*", "shop-api", true)]
    [InlineData("api|shop", "shop", true)]
    [InlineData("api|shop", "xshop", false)]
    public void Regular_expressions_are_fully_anchored(string pattern, string value, bool matches)
    {
        var matcher = AlertMatchers.Create("job", "=~", pattern);

        Assert.Equal(matches, AlertMatchers.Matches(matcher, value));
        Assert.Equal(!matches, AlertMatchers.Matches(AlertMatchers.Create("job", "!~", pattern), value));
    }

    [Fact]
    public void A_missing_label_matches_as_the_empty_string()
    {
        var labels = LabelSet.Of(("alertname", "HighLatency"));

        Assert.True(AlertMatchers.MatchesAll([AlertMatchers.Parse("team=\"\"")], labels));
        Assert.True(AlertMatchers.MatchesAll([AlertMatchers.Parse("team!=\"db\"")], labels));
        Assert.False(AlertMatchers.MatchesAll([AlertMatchers.Parse("team=~\".+\"")], labels));
        Assert.True(AlertMatchers.MatchesAll([AlertMatchers.Parse("alertname=HighLatency"), AlertMatchers.Parse("team=~\".*\"")], labels));
    }

    [Theory]
    [InlineData("job", "=~", "(unclosed", "value")]
    [InlineData("job", "=~", "(a)\\1", "value")] // a back-reference cannot run without backtracking
    [InlineData("1job", "=", "x", "name")]
    [InlineData("job-name", "=", "x", "name")]
    [InlineData("", "=", "x", "name")]
    [InlineData("job", "==", "x", "op")]
    [InlineData("job", "=", null, "value")]
    public void A_bad_part_is_named(string? name, string? op, string? value, string field)
    {
        var ex = Assert.Throws<AlertMatcherException>(() => AlertMatchers.Create(name, op, value));

        Assert.Equal(field, ex.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("severity")]
    [InlineData("=critical")]
    public void Text_that_is_no_matcher_is_refused(string text) =>
        Assert.Throws<AlertMatcherException>(() => AlertMatchers.Parse(text));

    [Theory]
    [InlineData("job", "=", "", true)]
    [InlineData("job", "=", "shop", false)]
    [InlineData("job", "!=", "shop", true)]
    [InlineData("job", "=~", ".*", true)]
    [InlineData("job", "=~", ".+", false)]
    [InlineData("job", "!~", ".+", true)]
    [InlineData("job", "!~", "", false)]
    public void Which_matchers_match_the_empty_string(string name, string op, string value, bool matchesEmpty) =>
        Assert.Equal(matchesEmpty, AlertMatchers.MatchesEmpty(AlertMatchers.Create(name, op, value)));
}
