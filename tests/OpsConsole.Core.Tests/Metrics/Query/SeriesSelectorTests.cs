using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Tests.Metrics.Query;

public sealed class SeriesSelectorTests
{
    [Fact]
    public void Parses_the_four_matcher_kinds_and_prints_PromQL_back()
    {
        var selector = SeriesSelector.Parse("http_requests_received_total{ code=~\"5..\", method!=\"GET\",job=\"shop\" , path!~'/health.*'}");

        Assert.Equal("http_requests_received_total", selector.MetricName);
        Assert.Equal([MatchOp.Regex, MatchOp.NotEqual, MatchOp.Equal, MatchOp.NotRegex], selector.Matchers.Select(m => m.Op));
        Assert.Equal("http_requests_received_total{code=~\"5..\", method!=\"GET\", job=\"shop\", path!~\"/health.*\"}", selector.ToString());
        Assert.Equal(selector.ToString(), SeriesSelector.Parse(selector.ToString()).ToString());
    }

    [Fact]
    public void Accepts_the_name_as_a_matcher_and_escaped_quotes()
    {
        var selector = SeriesSelector.Parse("{__name__=\"up\", msg=\"say \\\"hi\\\"\"}");

        Assert.Equal("up", selector.MetricName);
        Assert.Equal("say \"hi\"", Assert.Single(selector.Matchers).Value);
    }

    [Fact]
    public void Regex_matchers_are_anchored_and_a_missing_label_is_empty()
    {
        var code = new LabelMatcher("code", MatchOp.Regex, "5..");
        Assert.True(code.Matches("503"));
        Assert.False(code.Matches("1503"));
        Assert.False(code.Matches(null));
        Assert.True(new LabelMatcher("env", MatchOp.Equal, "").Matches(null));
        Assert.True(new LabelMatcher("env", MatchOp.NotRegex, "prod|staging").Matches("demo"));
    }

    [Theory]
    [InlineData("", "a metric name is required", 1)]
    [InlineData("up{job=\"a\"", "missing }", 11)]
    [InlineData("up{job=\"a}", "unterminated string", 8)]
    [InlineData("up{job~\"a\"}", "expected =, !=, =~ or !~", 7)]
    [InlineData("up{job=~\"(\"}", "invalid regular expression for job", 7)]
    [InlineData("up}", "unexpected '}'", 3)]
    [InlineData("rate(up[5m])", "unexpected '('", 5)]
    public void Errors_say_what_and_where(string text, string message, int column)
    {
        var ex = Assert.Throws<SelectorParseException>(() => SeriesSelector.Parse(text));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Equal(column, ex.Column);
    }
}
