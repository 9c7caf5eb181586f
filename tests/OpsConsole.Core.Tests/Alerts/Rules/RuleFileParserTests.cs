using OpsConsole.Core.Alerts.Rules;

namespace OpsConsole.Core.Tests.Alerts.Rules;

public sealed class RuleFileParserTests
{
    private static readonly TimeSpan Default = TimeSpan.FromSeconds(15);

    private static RuleFileParser.Result Parse(string yaml) => RuleFileParser.Parse("rules/shop.yml", yaml.ReplaceLineEndings("\n"), Default);

    private static RuleLoadError SingleError(string yaml)
    {
        return Assert.Single(Parse(yaml).Errors);
    }

    [Fact]
    public void A_complete_file_gives_its_groups_and_rules_in_order()
    {
        var result = Parse("""
            groups:
              - name: shop
                interval: 30s
                limit: 10
                rules:
                  - alert: HighErrorRatio
                    expr: sum(rate(errors_total[5m])) > 0.05
                    for: 5m
                    keep_firing_for: 1m
                    labels:
                      severity: critical
                      team: "{{ $labels.job }}"
                    annotations:
                      summary: "{{ $value | humanizePercentage }} errors"
                      runbook_url: https://runbooks/x
                  - alert: TargetDown
                    expr: up == 0
              - name: other
                rules: []
            """);

        Assert.Empty(result.Errors);
        Assert.Equal(["shop", "other"], result.Groups.Select(g => g.Name));
        var shop = result.Groups[0];
        Assert.Equal(("rules/shop.yml", TimeSpan.FromSeconds(30), 10, "rules/shop.yml;shop"), (shop.File, shop.Interval, shop.Limit, shop.Key));
        Assert.Equal(Default, result.Groups[1].Interval);
        var (first, second) = (shop.Rules[0], shop.Rules[1]);
        Assert.Equal(("HighErrorRatio", "sum(rate(errors_total[5m])) > 0.05", TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1), 0, 6),
            (first.Name, first.Expression, first.For, first.KeepFiringFor, first.Index, first.Line));
        Assert.Equal(["severity", "team"], first.Labels.Select(l => l.Name));
        Assert.Equal(["summary", "runbook_url"], first.Annotations.Select(a => a.Name));
        Assert.Equal(("TargetDown", TimeSpan.Zero, 1), (second.Name, second.For, second.Index));
        Assert.Equal(2, result.Expressions.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("groups:\n")]
    [InlineData("groups: []\n")]
    public void An_empty_file_has_no_groups(string yaml)
    {
        var result = Parse(yaml);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Groups);
    }

    [Fact]
    public void Invalid_YAML_names_the_file_line_and_column()
    {
        var error = SingleError("""
            groups:
              - name: shop
                rules:
                  - alert: A
                    expr: "up == 0
            """);

        Assert.Equal("rules/shop.yml", error.File);
        Assert.Equal(5, error.Line);
        Assert.StartsWith("invalid YAML: ", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("rules/shop.yml:5:", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_key_is_invalid_YAML_at_its_line() =>
        Assert.Equal(4, SingleError("""
            groups:
              - name: shop
                rules: []
                name: again
            """).Line);

    [Theory]
    [InlineData("groups:\n  - name: shop\n    rules:\n      - alert: A\n        expr: up\n        severity: page\n", 6, 9, "A", "field severity not found in a rule")]
    [InlineData("groups:\n  - name: shop\n    labels: {a: b}\n    rules: []\n", 3, 5, null, "field labels not found in a group")]
    [InlineData("group:\n  - name: shop\n", 1, 1, null, "field group not found in the rule file")]
    public void Unknown_fields_are_errors_naming_the_field(string yaml, int line, int column, string? rule, string message)
    {
        var error = SingleError(yaml);
        Assert.Equal((line, column, rule), (error.Line, error.Column, error.Rule));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repeated_group_name_is_an_error_at_the_second()
    {
        var error = SingleError("""
            groups:
              - name: shop
                rules: []
              - name: shop
                rules: []
            """);

        Assert.Equal((4, 11, "shop"), (error.Line, error.Column, error.Group));
        Assert.Equal("group name \"shop\" is repeated in the same file (first at line 2)", error.Message);
    }

    [Fact]
    public void A_group_without_a_name_is_an_error() =>
        Assert.Equal("group name must not be empty", SingleError("groups:\n  - rules: []\n").Message);

    [Theory]
    [InlineData("for: 5", "for: not a valid duration string: \"5\"")]
    [InlineData("for: 5 minutes", "for: not a valid duration string")]
    [InlineData("keep_firing_for: 1m30h", "keep_firing_for: not a valid duration string: \"1m30h\" (units must go from largest to smallest")]
    public void A_bad_duration_names_the_rule_and_the_field(string field, string message)
    {
        var error = SingleError($"groups:\n  - name: shop\n    rules:\n      - alert: Slow\n        expr: x > 1\n        {field}\n");
        Assert.Equal(("shop", "Slow", 6), (error.Group, error.Rule, error.Line));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(9 + field.IndexOf(':', StringComparison.Ordinal) + 2, error.Column); // at the value
    }

    [Fact]
    public void A_bad_group_interval_is_an_error()
    {
        var error = SingleError("groups:\n  - name: shop\n    interval: 1x\n    rules: []\n");
        Assert.Equal(("shop", 3, 15), (error.Group, error.Line, error.Column));
        Assert.StartsWith("interval: not a valid duration string: \"1x\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_alert_or_expr_are_errors()
    {
        var result = Parse("""
            groups:
              - name: shop
                rules:
                  - expr: up == 0
                  - alert: NoExpr
                    for: 1m
            """);

        Assert.Equal(2, result.Errors.Count);
        Assert.Equal((4, "'alert' must be set to the alert's name"), (result.Errors[0].Line, result.Errors[0].Message));
        Assert.Equal(("NoExpr", "field 'expr' must be set in rule"), (result.Errors[1].Rule, result.Errors[1].Message));
        Assert.Empty(result.Groups[0].Rules);
    }

    [Fact]
    public void Recording_rules_are_refused_saying_so()
    {
        var error = SingleError("""
            groups:
              - name: shop
                rules:
                  - record: job:errors:rate5m
                    expr: sum by (job) (rate(errors_total[5m]))
            """);

        Assert.Equal(("job:errors:rate5m", 4, 17), (error.Rule, error.Line, error.Column));
        Assert.Contains("recording rules ('record:') are not supported", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("labels:\n          bad-name: x", "invalid label name \"bad-name\"", 7, 11)]
    [InlineData("labels:\n          1st: x", "invalid label name \"1st\"", 7, 11)]
    [InlineData("annotations:\n          \"sum mary\": x", "invalid annotation name \"sum mary\"", 7, 11)]
    [InlineData("labels:\n          severity: [a, b]", "label \"severity\" must be a text value", 7, 21)]
    [InlineData("labels: [severity]", "'labels' must be a mapping", 6, 17)]
    [InlineData("labels:\n          ? [a, b]\n          : x", "invalid label name", 7, 13)]
    public void Bad_label_and_annotation_names_are_errors(string field, string message, int line, int column)
    {
        var error = SingleError($"groups:\n  - name: shop\n    rules:\n      - alert: A\n        expr: up\n        {field}\n");
        Assert.Equal(("A", line, column), (error.Rule, error.Line, error.Column));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_that_does_not_parse_is_an_error_at_its_place_in_the_file()
    {
        var error = SingleError("""
            groups:
              - name: shop
                rules:
                  - alert: A
                    expr: up == 0
                    annotations:
                      summary: "{{ $labels.job | toUpper }} down"
            """);

        Assert.Equal(("shop", "A", 7), (error.Group, error.Rule, error.Line));
        Assert.Equal(21 + 18 - 1, error.Column); // the template starts after the quote at column 20; toUpper is its column 18
        Assert.StartsWith("annotation \"summary\": template: function \"toUpper\" not defined", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_of_a_file_is_reported_not_only_the_first()
    {
        var result = Parse("""
            groups:
              - name: shop
                rules:
                  - alert: A
                    expr: up
                    for: soon
                  - alert: B
                    expr: up
                    labels: {"x-y": z}
              - name: shop
                rules: []
            """);

        Assert.Equal([6, 9, 10], result.Errors.Select(e => e.Line));
    }

    [Theory]
    [InlineData("- a\n- b\n", "a rule file must be a mapping with a 'groups' list")]
    [InlineData("groups: {name: x}\n", "'groups' must be a list of groups")]
    [InlineData("groups:\n  - just text\n", "each entry of 'groups' must be a mapping")]
    [InlineData("groups:\n  - name: g\n    rules: {alert: a}\n", "'rules' must be a list of rules")]
    [InlineData("groups:\n  - name: g\n    limit: -1\n", "limit must be a whole number")]
    [InlineData("groups: []\n---\ngroups: []\n", "a rule file holds one YAML document")]
    public void Wrong_shapes_are_errors(string yaml, string message) =>
        Assert.StartsWith(message, SingleError(yaml).Message, StringComparison.Ordinal);

    [Fact]
    public void Expression_positions_map_back_into_the_file()
    {
        var result = Parse("""
            groups:
              - name: shop
                rules:
                  - alert: Plain
                    expr: up == 0
                  - alert: Quoted
                    expr: "up == 0"
                  - alert: Block
                    expr: |
                      sum(rate(x[5m]))
                        > 1
            """);

        var (plain, quoted, block) = (result.Expressions[0].Position, result.Expressions[1].Position, result.Expressions[2].Position);
        Assert.Equal((5, 18), plain.Map(1, 4)); // "expr: " ends at column 14
        Assert.Equal((7, 19), quoted.Map(1, 4));
        Assert.Equal((11, 13), block.Map(2, 3));
    }
}
