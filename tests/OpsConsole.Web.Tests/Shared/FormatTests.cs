using OpsConsole.Web.Shared;

namespace OpsConsole.Web.Tests.Shared;

public sealed class FormatTests
{
    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(1023L, "1023 B")]
    [InlineData(1024L, "1 KiB")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(5L * 1024 * 1024, "5 MiB")]
    [InlineData(3L * 1024 * 1024 * 1024 * 1024 * 1024, "3072 TiB")]
    public void Bytes_uses_binary_units_and_at_most_one_decimal(long bytes, string expected) =>
        Assert.Equal(expected, Format.Bytes(bytes));

    [Fact]
    public void Duration_of_a_day_or_more_is_days_hours_minutes() =>
        Assert.Equal("1d 2h 3m", Format.Duration(new TimeSpan(1, 2, 3, 4)));

    [Fact]
    public void Duration_under_a_day_is_clock_style() =>
        Assert.Equal("02:03:04", Format.Duration(new TimeSpan(0, 2, 3, 4)));

    [Fact]
    public void Time_is_utc_regardless_of_offset() =>
        Assert.Equal("08:30:15 UTC", Format.Time(new DateTimeOffset(2026, 1, 2, 10, 30, 15, TimeSpan.FromHours(2))));

    [Fact]
    public void Time_without_value_is_a_dash() =>
        Assert.Equal("—", Format.Time(null));
}
