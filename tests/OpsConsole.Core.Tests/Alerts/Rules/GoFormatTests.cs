using OpsConsole.Core.Alerts.Rules;

namespace OpsConsole.Core.Tests.Alerts.Rules;

/// <summary>Expected strings are Go's own (fmt and strconv, as documented and as `go run` prints them).</summary>
public sealed class GoFormatTests
{
    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(0.05, "0.05")]
    [InlineData(123456.0, "123456")]
    [InlineData(1234567.0, "1.234567e+06")]
    [InlineData(1e21, "1e+21")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    public void Percent_v_of_a_float_is_the_shortest_g_form(double value, string expected) =>
        Assert.Equal(expected, GoFormat.Default(value));

    [Theory]
    [InlineData(1234.0, 4, "1234")]
    [InlineData(12346.0, 4, "1.235e+04")]
    [InlineData(1.5, 4, "1.5")]
    [InlineData(100.0, 4, "100")]
    [InlineData(0.001234, 4, "0.001234")]
    [InlineData(0.00001234, 4, "1.234e-05")]
    [InlineData(2.0 / 3, 4, "0.6667")]
    public void Percent_point4_g_rounds_to_four_significant_digits(double value, int precision, string expected) =>
        Assert.Equal(expected, GoFormat.FormatFloat(value, 'g', precision));

    [Theory]
    [InlineData("%.2f", 3.14159, "3.14")]
    [InlineData("%.0f", 2.5, "2")]
    [InlineData("%f", 1.0, "1.000000")]
    [InlineData("%e", 1234.5678, "1.234568e+03")]
    [InlineData("%g", 0.5, "0.5")]
    [InlineData("%v", 0.5, "0.5")]
    [InlineData("%8.2f", 3.14159, "    3.14")]
    [InlineData("%-8.2f|", 3.14159, "3.14    |")]
    [InlineData("%08.2f", -3.14159, "-0003.14")]
    [InlineData("%+.1f", 2.0, "+2.0")]
    [InlineData("%d", 1.5, "%!d(float64=1.5)")]
    [InlineData("%s", 1.5, "%!s(float64=1.5)")]
    [InlineData("%.1f%%", 99.5, "99.5%")]
    public void Printf_formats_a_float_as_Go_does(string format, double value, string expected) =>
        Assert.Equal(expected, GoFormat.Sprintf(format, [value]));

    [Fact]
    public void Printf_handles_strings_integers_and_argument_count_mistakes_as_Go_does()
    {
        Assert.Equal("job=shop n=3", GoFormat.Sprintf("job=%s n=%d", ["shop", 3L]));
        Assert.Equal("\"a\\\"b\"", GoFormat.Sprintf("%q", ["a\"b"]));
        Assert.Equal("ab", GoFormat.Sprintf("%.2s", ["abc"]));
        Assert.Equal("x=%!d(MISSING)", GoFormat.Sprintf("x=%d", []));
        Assert.Equal("x%!(EXTRA float64=2)", GoFormat.Sprintf("x", [2.0]));
        Assert.Equal("map[a:1 b:2]", GoFormat.Default(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
    }
}
