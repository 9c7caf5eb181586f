using OpsConsole.Core.Alerts.Rules;

namespace OpsConsole.Core.Tests.Alerts.Rules;

/// <summary>Expected outputs are what Prometheus 2.42's template engine renders for the same text and data.</summary>
public sealed class RuleTemplateTests
{
    private static readonly RuleTemplateData Data = new(
        new Dictionary<string, string> { ["job"] = "sampleshop", ["instance"] = "127.0.0.1:5081", ["bytes"] = "1536", ["__name__"] = "up" },
        0.0734,
        new Dictionary<string, string>(),
        "");

    private static string Expand(string template, RuleTemplateData? data = null) => RuleTemplate.Parse(template).Expand(data ?? Data);

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("{{ $labels.job }} is down", "sampleshop is down")]
    [InlineData("{{$labels.instance}}", "127.0.0.1:5081")]
    [InlineData("{{ .Labels.job }}/{{ .Value }}", "sampleshop/0.0734")]
    [InlineData("value {{ $value }}", "value 0.0734")]
    [InlineData("[{{ $labels.missing }}]", "[]")]
    [InlineData("[{{ $externalLabels.cluster }}]", "[]")]
    [InlineData("{{ $value | humanizePercentage }}", "7.34%")]
    [InlineData("{{ humanizePercentage $value }}", "7.34%")]
    [InlineData("{{ printf \"%.2f\" $value }}", "0.07")]
    [InlineData("{{ $value | printf \"%.3f\" }}", "0.073")]
    [InlineData("{{ $labels.bytes | humanize1024 }}B", "1.5kiB")]
    [InlineData("{{ index $labels \"job\" }}", "sampleshop")]
    [InlineData("{{ printf \"%s on %s\" $labels.job $labels.instance }}", "sampleshop on 127.0.0.1:5081")]
    [InlineData("{{ (printf \"%.1f\" 12.345) }}", "12.3")]
    [InlineData("a {{- \" b \" -}} c", "a b c")]
    [InlineData("a\n  {{- $labels.job }}", "asampleshop")]
    [InlineData("x{{/* a comment */}}y", "xy")]
    [InlineData("{{ `raw \\n` }}", "raw \\n")]
    [InlineData("{{ \"tab\\there\" }}", "tab\there")]
    [InlineData("{{ 42 }} {{ 1.5 }} {{ true }}", "42 1.5 true")]
    [InlineData("{{ $labels.__name__ }}", "up")]
    public void Templates_render_as_Prometheus_renders_them(string template, string expected) =>
        Assert.Equal(expected, Expand(template));

    [Theory]
    [InlineData(0.0, "0", "0s", "0", "0%")]
    [InlineData(1.0, "1", "1s", "1", "100%")]
    [InlineData(1234.0, "1.234k", "20m 34s", "1.205ki", "1.234e+05%")]
    [InlineData(12345678.0, "12.35M", "142d 21h 21m 18s", "11.77Mi", "1.235e+09%")]
    [InlineData(0.0123, "12.3m", "12.3ms", "0.0123", "1.23%")]
    [InlineData(0.000002, "2u", "2us", "2e-06", "0.0002%")]
    [InlineData(-1234.0, "-1.234k", "-20m 34s", "-1.205ki", "-1.234e+05%")]
    [InlineData(3600.0, "3.6k", "1h 0m 0s", "3.516ki", "3.6e+05%")]
    [InlineData(59.9, "59.9", "59.9s", "59.9", "5990%")]
    [InlineData(double.NaN, "NaN", "NaN", "NaN", "NaN%")]
    [InlineData(double.PositiveInfinity, "+Inf", "+Inf", "+Inf", "+Inf%")]
    public void Humanize_functions_match_Prometheus(double value, string humanize, string duration, string binary, string percentage)
    {
        var data = Data with { Value = value };
        Assert.Equal(humanize, Expand("{{ $value | humanize }}", data));
        Assert.Equal(duration, Expand("{{ $value | humanizeDuration }}", data));
        Assert.Equal(binary, Expand("{{ $value | humanize1024 }}", data));
        Assert.Equal(percentage, Expand("{{ $value | humanizePercentage }}", data));
    }

    [Fact]
    public void A_failure_while_running_renders_in_place_as_Prometheus_does()
    {
        Assert.Equal("<error expanding template: error calling humanize: cannot parse \"sampleshop\" as a number>", Expand("{{ $labels.job | humanize }}"));
        Assert.Equal("<error expanding template: error calling printf: the format must be a string, got float64>", Expand("{{ printf $value }}"));
    }

    [Theory]
    [InlineData("{{ $labels.job ", "unclosed action", 1, 1)]
    [InlineData("{{ if $value }}x{{ end }}", "{{if}} is not supported", 1, 4)]
    [InlineData("{{ range $labels }}{{ end }}", "{{range}} is not supported", 1, 4)]
    [InlineData("{{ $x := 1 }}", "undefined variable \"$x\"", 1, 4)]
    [InlineData("{{ $value := 1 }}", "assigning variables is not supported", 1, 11)]
    [InlineData("{{ toUpper $labels.job }}", "function \"toUpper\" not defined", 1, 4)]
    [InlineData("ok\n{{ reReplaceAll \"a\" \"b\" $labels.job }}", "function \"reReplaceAll\" not defined", 2, 4)]
    [InlineData("{{ $value.x }}", "can't evaluate field x in type float64", 1, 10)]
    [InlineData("{{ .Foo }}", "can't evaluate field Foo", 1, 4)]
    [InlineData("{{ humanize }}", "wrong number of args for humanize: want 1 got 0", 1, 4)]
    [InlineData("{{ humanize $value $value }}", "wrong number of args for humanize: want 1 got 2", 1, 4)]
    [InlineData("{{ $value | $labels.job }}", "non executable command in pipeline stage 2", 1, 13)]
    [InlineData("{{ $value 1 }}", "can't give argument to non-function", 1, 11)]
    [InlineData("{{ \"open }}", "unterminated quoted string", 1, 4)]
    [InlineData("{{ }}", "missing value for command", 1, 4)]
    [InlineData("{{ printf \"%d\" humanize $value }}", "needs parentheses", 1, 16)]
    [InlineData("{{/* never closed", "unclosed comment", 1, 1)]
    public void Anything_outside_the_subset_is_a_parse_error_with_its_position(string template, string message, int line, int column)
    {
        var error = Assert.Throws<RuleTemplateException>(() => RuleTemplate.Parse(template));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Fact]
    public void Plain_text_is_plain()
    {
        Assert.True(RuleTemplate.Parse("no actions here { }").IsPlain);
        Assert.False(RuleTemplate.Parse("{{ $value }}").IsPlain);
    }
}
