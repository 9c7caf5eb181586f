using OpsConsole.Core.Alerts.Rules;

namespace OpsConsole.Core.Tests.Alerts.Rules;

public sealed class PromDurationTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("0s", 0)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1h30m15s500ms", 5_415_500)]
    [InlineData("90s", 90_000)]
    [InlineData("250ms", 250)]
    [InlineData("2d", 172_800_000)]
    [InlineData("1w", 604_800_000)]
    [InlineData("1y", 31_536_000_000)]
    public void Prometheus_durations_parse(string text, long milliseconds)
    {
        Assert.True(PromDuration.TryParse(text, out var duration, out var error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("", "empty duration string")]
    [InlineData("300", "a number needs a unit")]
    [InlineData("5 m", "a number needs a unit")]
    [InlineData("1.5h", "a number needs a unit")]
    [InlineData("-5m", "expected a number at position 1")]
    [InlineData("30m1h", "largest to smallest")]
    [InlineData("5m5m", "largest to smallest")]
    [InlineData("5M", "a number needs a unit")]
    [InlineData("5min", "unknown unit \"min\"")]
    [InlineData("99999999999999999y", "too long")]
    public void Bad_durations_are_refused_with_the_reason(string text, string reason)
    {
        Assert.False(PromDuration.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => PromDuration.Parse(text));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(5_400_000, "1h30m")]
    [InlineData(604_800_000, "1w")]
    [InlineData(777_600_000, "9d")] // 1w2d reads worse: weeks only when exact, as Prometheus prints
    [InlineData(1_500, "1s500ms")]
    public void Durations_print_as_Prometheus_prints_them(long milliseconds, string text) =>
        Assert.Equal(text, PromDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));
}
