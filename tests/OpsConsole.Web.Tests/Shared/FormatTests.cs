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

    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    [Fact]
    public void A_timestamp_is_iso_8601_to_the_second_in_the_given_zone()
    {
        var at = new DateTimeOffset(2026, 12, 7, 13, 3, 22, 500, TimeSpan.Zero);

        Assert.Equal("2026-12-07 13:03:22", Format.Timestamp(at, TimeZoneInfo.Utc));
        Assert.Equal("2026-12-07 14:03:22", Format.Timestamp(at, Paris));
        Assert.Equal("2026-12-07 14:03:22", Format.Timestamp(at.ToOffset(TimeSpan.FromHours(-5)), Paris)); // the input's own offset does not matter
        Assert.Equal("14:03:22", Format.TimeOfDay(at, Paris));
    }

    [Fact]
    public void The_zone_is_stated_with_the_offset_in_effect_then()
    {
        var winter = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        var summer = new DateTimeOffset(2026, 7, 7, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal("UTC", Format.ZoneLabel(TimeZoneInfo.Utc, winter));
        Assert.Equal("UTC+01:00 (Europe/Paris)", Format.ZoneLabel(Paris, winter));
        Assert.Equal("UTC+02:00", Format.Offset(Paris, summer));
        Assert.Equal("UTC-03:30", Format.Offset(TimeZoneInfo.FindSystemTimeZoneById("America/St_Johns"), winter));
        Assert.Equal("UTC+05:45", Format.Offset(TimeZoneInfo.FindSystemTimeZoneById("Asia/Kathmandu"), winter));
    }

    [Theory]
    [InlineData("Europe/Paris", "Europe/Paris")]
    [InlineData("UTC", "UTC")]
    [InlineData("Etc/UTC", "UTC")]
    [InlineData("Mars/Olympus_Mons", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Browser_zone_ids_are_found_and_unknown_ones_are_none(string? id, string? expected) =>
        Assert.Equal(expected, Format.FindZone(id)?.Id);

    [Fact]
    public void A_local_input_is_read_in_the_zone_and_a_skipped_hour_is_no_time()
    {
        Assert.True(Format.TryParseLocalInput("2026-07-01T10:00", out var summer));
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.Zero), Format.FromLocal(summer, Paris));
        Assert.True(Format.TryParseLocalInput("2026-03-29T02:30", out var skipped)); // clocks jump from 02:00 to 03:00
        Assert.Null(Format.FromLocal(skipped, Paris));
        Assert.False(Format.TryParseLocalInput("yesterday", out _));
        Assert.Equal("2026-07-01T10:00", Format.LocalInput(new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.Zero), Paris));
    }

    [Fact]
    public void The_viewer_starts_in_utc_and_takes_a_known_browser_zone_once()
    {
        var viewer = new ViewerTime(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero)));
        var at = new DateTimeOffset(2026, 12, 7, 13, 3, 22, TimeSpan.Zero);
        Assert.Equal("UTC", viewer.ZoneLabel);
        Assert.Equal("2026-12-07 13:03:22 UTC", viewer.DateTimeWithZone(at));

        Assert.False(viewer.TrySet("Not/AZone"));
        Assert.True(viewer.TrySet("Europe/Paris"));
        Assert.False(viewer.TrySet("Europe/Paris")); // no change: the page is not rebuilt again

        Assert.Equal("UTC+01:00 (Europe/Paris)", viewer.ZoneLabel);
        Assert.Equal("2026-12-07 14:03:22", viewer.DateTime(at));
        Assert.Equal("never", viewer.DateTime(null, "never"));
        Assert.Equal("14:03:22 UTC+01:00", viewer.TimeOfDayWithZone(at));
    }
}
