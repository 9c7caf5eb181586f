using OpsConsole.Core.Metrics.PromQl;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Tests.Metrics.PromQl;

public sealed class PromQlParserTests
{
    [Theory]
    [InlineData("1 + 2 * 3", "(1 + (2 * 3))")]
    [InlineData("1 * 2 + 3", "((1 * 2) + 3)")]
    [InlineData("a - b - c", "((a - b) - c)")]
    [InlineData("a / b * c % d", "(((a / b) * c) % d)")]
    [InlineData("2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))")]
    [InlineData("a * b ^ c", "(a * (b ^ c))")]
    [InlineData("-a ^ b", "-(a ^ b)")]
    [InlineData("-a * b", "(-a * b)")]
    [InlineData("-a + b", "(-a + b)")]
    [InlineData("a + -b", "(a + -b)")]
    [InlineData("- - a", "--a")]
    [InlineData("a > b + c", "(a > (b + c))")]
    [InlineData("a + b > c - d", "((a + b) > (c - d))")]
    [InlineData("a == b != c", "((a == b) != c)")]
    [InlineData("a or b and c", "(a or (b and c))")]
    [InlineData("a and b or c", "((a and b) or c)")]
    [InlineData("a and b unless c", "((a and b) unless c)")]
    [InlineData("a unless b and c", "((a unless b) and c)")]
    [InlineData("a > 1 and b < 2 or c", "(((a > 1) and (b < 2)) or c)")]
    [InlineData("(1 + 2) * 3", "(((1 + 2)) * 3)")] // the parenthesis node prints its own
    [InlineData("a AND b OR c UNLESS d", "((a and b) or (c unless d))")]
    public void Operators_follow_Prometheus_precedence_and_associativity(string text, string expected) =>
        Assert.Equal(expected, PromQlParser.Parse(text).ToString());

    [Fact]
    public void A_negated_number_is_folded_into_the_literal_and_binds_looser_than_power()
    {
        Assert.Equal(-1, Assert.IsType<NumberLiteral>(PromQlParser.Parse("-1")).Value);
        Assert.Equal("-(1 ^ 2)", PromQlParser.Parse("-1 ^ 2").ToString());
        Assert.Equal("(2 ^ -1)", PromQlParser.Parse("2 ^ -1").ToString());
    }

    [Theory]
    [InlineData("42", 42)]
    [InlineData("1.5", 1.5)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5)]
    [InlineData("1e3", 1000)]
    [InlineData("2.5E-1", 0.25)]
    [InlineData("0x1F", 31)]
    [InlineData("0X10", 16)]
    [InlineData("017", 15)] // Go's ParseInt with base 0: a leading zero is octal, as in Prometheus
    [InlineData("09", 9)]
    [InlineData("Inf", double.PositiveInfinity)]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-inf", double.NegativeInfinity)]
    public void Numbers_are_read_as_Prometheus_reads_them(string text, double expected) =>
        Assert.Equal(expected, Assert.IsType<NumberLiteral>(PromQlParser.Parse(text)).Value);

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    public void NaN_is_a_number(string text) => Assert.True(double.IsNaN(Assert.IsType<NumberLiteral>(PromQlParser.Parse(text)).Value));

    [Theory]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("90s", 90_000)]
    [InlineData("250ms", 250)]
    [InlineData("1d", 86_400_000)]
    [InlineData("1w", 604_800_000)]
    [InlineData("1y", 31_536_000_000)]
    [InlineData("1h1m1s1ms", 3_661_001)]
    public void Durations_in_range_selectors(string duration, long ms)
    {
        var call = Assert.IsType<CallExpr>(PromQlParser.Parse($"rate(x[{duration}])"));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), Assert.IsType<MatrixSelector>(call.Args[0]).Range);
    }

    [Fact]
    public void Selectors_take_all_four_matchers_and_every_quoting_style()
    {
        var selector = Assert.IsType<VectorSelector>(PromQlParser.Parse("http_requests_total{job=\"api\", code=~'5..', method!=`GET`, path!~\"/health\\\\d\",}"));

        Assert.Equal("http_requests_total", selector.MetricName);
        Assert.Equal(
            [("job", MatchOp.Equal, "api"), ("code", MatchOp.Regex, "5.."), ("method", MatchOp.NotEqual, "GET"), ("path", MatchOp.NotRegex, "/health\\d")],
            selector.Matchers.Select(m => (m.Name, m.Op, m.Value)));
    }

    [Fact]
    public void Strings_unescape_as_Go_does_and_raw_strings_do_not()
    {
        var selector = Assert.IsType<VectorSelector>(PromQlParser.Parse("x{a=\"q\\\"\\n\\t\\\\\\x41\\101\\u00e9\", b='it\\'s', c=`raw\\n`}"));

        Assert.Equal(["q\"\n\t\\AAé", "it's", "raw\\n"], selector.Matchers.Select(m => m.Value));
    }

    [Fact]
    public void Metric_names_may_contain_colons_and_come_from_a_name_matcher()
    {
        Assert.Equal("job:requests:rate5m", Assert.IsType<VectorSelector>(PromQlParser.Parse("job:requests:rate5m")).MetricName);
        var byMatcher = Assert.IsType<VectorSelector>(PromQlParser.Parse("{__name__=\"up\", job=\"a\"}"));
        Assert.Equal("up", byMatcher.MetricName);
        Assert.Single(byMatcher.Matchers);
        var byRegex = Assert.IsType<VectorSelector>(PromQlParser.Parse("{__name__=~\"up|down\"}"));
        Assert.Null(byRegex.MetricName);
        Assert.Equal(MatchOp.Regex, Assert.Single(byRegex.NameMatchers).Op);
    }

    [Fact]
    public void Comments_and_line_breaks_are_whitespace()
    {
        var expr = PromQlParser.Parse("""
            # error ratio per job
            sum by (job) (rate(x{code=~"5.."}[5m])) # the errors
              /
            sum by (job) (rate(x[5m]))
            """);

        Assert.Equal("(sum by (job) (rate(x{code=~\"5..\"}[5m])) / sum by (job) (rate(x[5m])))", expr.ToString());
    }

    [Theory]
    [InlineData("sum by (job) (x)")]
    [InlineData("sum(x) by (job)")]
    [InlineData("SUM BY (job) (x)")]
    [InlineData("sum by (job,) (x)")]
    public void Grouping_may_come_before_or_after_the_body(string text)
    {
        var aggregate = Assert.IsType<AggregateExpr>(PromQlParser.Parse(text));
        Assert.Equal(AggregateOp.Sum, aggregate.Op);
        Assert.Equal(["job"], aggregate.Grouping);
        Assert.False(aggregate.Without);
    }

    [Fact]
    public void Every_aggregation_of_the_subset_parses_with_by_and_without()
    {
        foreach (var (name, op) in new[] { ("sum", AggregateOp.Sum), ("avg", AggregateOp.Avg), ("min", AggregateOp.Min), ("max", AggregateOp.Max), ("count", AggregateOp.Count) })
        {
            var without = Assert.IsType<AggregateExpr>(PromQlParser.Parse($"{name} without (instance, pod) (x)"));
            Assert.Equal(op, without.Op);
            Assert.True(without.Without);
            Assert.Equal(["instance", "pod"], without.Grouping);
            Assert.Empty(Assert.IsType<AggregateExpr>(PromQlParser.Parse($"{name}(x)")).Grouping);
        }
    }

    [Fact]
    public void Vector_matching_modifiers_are_kept()
    {
        var oneToOne = Assert.IsType<BinaryExpr>(PromQlParser.Parse("a / on(job, instance) b"));
        Assert.Equal(MatchCardinality.OneToOne, oneToOne.Matching!.Cardinality);
        Assert.True(oneToOne.Matching.On);
        Assert.Equal(["job", "instance"], oneToOne.Matching.MatchingLabels);

        var manyToOne = Assert.IsType<BinaryExpr>(PromQlParser.Parse("a * ignoring(code) group_left(version, team) b"));
        Assert.Equal(MatchCardinality.ManyToOne, manyToOne.Matching!.Cardinality);
        Assert.False(manyToOne.Matching.On);
        Assert.Equal(["code"], manyToOne.Matching.MatchingLabels);
        Assert.Equal(["version", "team"], manyToOne.Matching.Include);

        var oneToMany = Assert.IsType<BinaryExpr>(PromQlParser.Parse("a * on(instance) group_right b"));
        Assert.Equal(MatchCardinality.OneToMany, oneToMany.Matching!.Cardinality);
        Assert.Empty(oneToMany.Matching.Include);

        var boolOn = Assert.IsType<BinaryExpr>(PromQlParser.Parse("a > bool on(job) b"));
        Assert.True(boolOn.ReturnBool);
        Assert.True(boolOn.Matching!.On);

        Assert.Equal(MatchCardinality.ManyToMany, Assert.IsType<BinaryExpr>(PromQlParser.Parse("a and on(job) b")).Matching!.Cardinality);
        Assert.Null(Assert.IsType<BinaryExpr>(PromQlParser.Parse("a * 2")).Matching);
    }

    [Fact]
    public void Every_function_of_the_subset_parses_with_its_types()
    {
        foreach (var text in new[]
        {
            "rate(x[5m])", "irate(x[5m])", "increase(x[1h])", "avg_over_time(x[5m])", "min_over_time(x[5m])", "max_over_time(x[5m])",
            "sum_over_time(x[5m])", "count_over_time(x[5m])", "last_over_time(x[5m])", "absent_over_time(x[5m])", "absent(x)",
            "histogram_quantile(0.9, x)", "vector(1)", "scalar(x)", "time()", "abs(x)", "ceil(x)", "floor(x)", "round(x)",
            "round(x, 0.5)", "clamp_min(x, 0)", "clamp_max(x, 1)",
        })
        {
            var call = Assert.IsType<CallExpr>(PromQlParser.Parse(text));
            Assert.Equal(text[..text.IndexOf('(', StringComparison.Ordinal)], call.Function.Name);
        }
    }

    [Fact]
    public void Parentheses_around_function_arguments_are_unwrapped_as_Prometheus_does()
    {
        var call = Assert.IsType<CallExpr>(PromQlParser.Parse("absent(((up{job=\"a\"})))"));
        Assert.IsType<VectorSelector>(call.Args[0]);
        Assert.IsType<MatrixSelector>(Assert.IsType<CallExpr>(PromQlParser.Parse("rate((x[5m]))")).Args[0]);
    }

    [Theory]
    [InlineData("predict_linear(x[1h], 3600)", "function \"predict_linear\" is not in the console's PromQL subset", 1, 1)]
    [InlineData("label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")", "function \"label_replace\" is not in the console's PromQL subset", 1, 1)]
    [InlineData("sum(nope(x))", "unknown function with name \"nope\"", 1, 5)]
    [InlineData("RATE(x[5m])", "unknown function with name \"RATE\"", 1, 1)]
    [InlineData("rate(x)", "expected type range vector in call to function \"rate\", got instant vector", 1, 6)]
    [InlineData("abs(x[5m])", "expected type instant vector in call to function \"abs\", got range vector", 1, 5)]
    [InlineData("histogram_quantile(x, y)", "expected type scalar in call to function \"histogram_quantile\", got instant vector", 1, 20)]
    [InlineData("vector(\"a\")", "expected type scalar in call to function \"vector\", got string", 1, 8)]
    [InlineData("abs(x, y)", "expected 1 argument(s) in call to \"abs\", got 2", 1, 1)]
    [InlineData("time(1)", "expected 0 argument(s) in call to \"time\", got 1", 1, 1)]
    [InlineData("round(x, 1, 2)", "expected at most 2 argument(s) in call to \"round\", got 3", 1, 1)]
    [InlineData("round()", "expected at least 1 argument(s) in call to \"round\", got 0", 1, 1)]
    [InlineData("topk(3, x)", "aggregation \"topk\" is not in the console's PromQL subset", 1, 1)]
    [InlineData("count_values(\"v\", x)", "aggregation \"count_values\" is not in the console's PromQL subset", 1, 1)]
    [InlineData("group(x)", "aggregation \"group\" is not in the console's PromQL subset", 1, 1)]
    [InlineData("sum(x[5m])", "expected type instant vector in aggregation expression, got range vector", 1, 5)]
    [InlineData("sum(x, y)", "wrong number of arguments for aggregate expression provided, expected 1, got 2", 1, 1)]
    [InlineData("x offset 5m", "the offset modifier is not in the console's PromQL subset", 1, 3)]
    [InlineData("rate(x[5m] offset 1h)", "the offset modifier is not in the console's PromQL subset", 1, 12)]
    [InlineData("x @ 1700000000", "the @ modifier is not in the console's PromQL subset", 1, 3)]
    [InlineData("max_over_time(rate(x[1m])[5m:1m])", "subqueries are not in the console's PromQL subset", 1, 26)]
    [InlineData("x atan2 y", "the atan2 operator is not in the console's PromQL subset", 1, 3)]
    [InlineData("(x)[5m]", "ranges only allowed for vector selectors", 1, 4)]
    [InlineData("x[5m]", "an alerting expression must be an instant vector or a scalar, got range vector", 1, 1)]
    [InlineData("\"text\"", "an alerting expression must be an instant vector or a scalar, got string", 1, 1)]
    [InlineData("1 > 2", "comparisons between scalars must use BOOL modifier", 1, 3)]
    [InlineData("x + bool y", "bool modifier can only be used on comparison operators", 1, 3)]
    [InlineData("x and 1", "set operator \"and\" not allowed in binary scalar expression", 1, 3)]
    [InlineData("x or on(a) group_left y", "no grouping allowed for \"or\" operation", 1, 3)]
    [InlineData("x * on(a) 2", "vector matching only allowed between instant vectors", 1, 3)]
    [InlineData("x * on(a) group_left(a) y", "label \"a\" must not occur in ON and GROUP clause at once", 1, 3)]
    [InlineData("x * group_left y", "group_left must follow on(...) or ignoring(...)", 1, 5)]
    [InlineData("x + y[5m]", "binary expression must contain only scalar and instant vector types, got range vector", 1, 5)]
    [InlineData("-x[5m]", "unary expression only allowed on expressions of type scalar or instant vector, got \"range vector\"", 1, 1)]
    [InlineData("{a=~\".*\"}", "vector selector must contain at least one non-empty matcher", 1, 1)]
    [InlineData("x{__name__=\"y\"}", "metric name must not be set twice: \"x\" or \"y\"", 1, 1)]
    [InlineData("x{a=~\"(\"}", "invalid regular expression for label \"a\"", 1, 6)]
    [InlineData("x{a:b=\"c\"}", "expected a label name in the selector's braces, got identifier \"a:b\"", 1, 3)]
    [InlineData("x{a=b}", "expected a quoted value for label \"a\", got identifier \"b\"", 1, 5)]
    [InlineData("x{a==\"b\"}", "expected =, !=, =~ or !~ after label \"a\", got \"==\"", 1, 4)]
    [InlineData("x{a=\"b\"", "expected , or } in the selector's braces, got end of input", 1, 8)]
    [InlineData("sum(x", "expected , or ) in the argument list opened at column 4, got end of input", 1, 6)]
    [InlineData("(x + y", "expected ) to close the parenthesis at column 1, got end of input", 1, 7)]
    [InlineData("x + ", "unexpected end of input", 1, 5)]
    [InlineData("x y", "unexpected identifier \"y\"", 1, 3)]
    [InlineData("x + 5m", "unexpected duration \"5m\": durations belong in a range selector such as [5m]", 1, 5)]
    [InlineData("rate(x[5])", "expected a duration such as 5m in the range selector, got number \"5\"", 1, 8)]
    [InlineData("rate(x[5s1m])", "not a valid duration string: \"5s1m\"", 1, 8)]
    [InlineData("5x", "bad number or duration syntax: \"5x\"", 1, 1)]
    [InlineData("x{a=\"b}", "unterminated quoted string", 1, 5)]
    [InlineData("x{a=\"\\q\"}", "unknown escape sequence '\\q'", 1, 6)]
    [InlineData("x $ y", "unexpected character: '$'", 1, 3)]
    [InlineData("sum by job (x)", "expected ( with label names after by, got identifier \"job\"", 1, 8)]
    [InlineData("by", "unexpected \"by\"", 1, 1)]
    [InlineData("", "no expression found in input", 1, 1)]
    public void Rejections_say_what_and_where(string text, string reason, int line, int column)
    {
        var ex = Assert.Throws<PromQlParseException>(() => PromQlParser.Parse(text));

        Assert.StartsWith(reason, ex.Reason, StringComparison.Ordinal);
        Assert.Equal((line, column), (ex.Line, ex.Column));
        Assert.EndsWith($"(line {line}, column {column})", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Positions_count_lines_and_columns_in_multi_line_expressions()
    {
        var ex = Assert.Throws<PromQlParseException>(() => PromQlParser.Parse("sum by (job) (\n  rate(x[5m])\n    / predict_linear(y[1h], 60)\n)"));

        Assert.Equal("function \"predict_linear\" is not in the console's PromQL subset (line 3, column 7)", ex.Message);
        Assert.Equal((3, 7), (ex.Line, ex.Column));
    }
}
