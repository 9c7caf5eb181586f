using System.Globalization;

namespace OpsConsole.Web.Shared;

/// <summary>Display formatting shared by pages (invariant culture: the console is an operator tool, not localised yet).</summary>
public static class Format
{
    private static readonly string[] LocalInputFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss"];

    public static CultureInfo Culture => CultureInfo.InvariantCulture;

    public static string Time(DateTimeOffset? value) =>
        value?.ToUniversalTime().ToString("HH:mm:ss 'UTC'", Culture) ?? "—";

    public static string DateTime(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", Culture);

    /// <summary>The console's one date format, ISO 8601 to the second, in <paramref name="zone"/>: "2026-12-07 14:03:22".</summary>
    public static string Timestamp(DateTimeOffset value, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(value, zone).ToString("yyyy-MM-dd HH:mm:ss", Culture);

    public static string TimeOfDay(DateTimeOffset value, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(value, zone).ToString("HH:mm:ss", Culture);

    /// <summary>"UTC" for UTC, else the offset in effect at <paramref name="at"/>: "UTC+01:00", "UTC-05:30".</summary>
    public static string Offset(TimeZoneInfo zone, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (zone.Id == TimeZoneInfo.Utc.Id)
        {
            return "UTC";
        }

        var offset = zone.GetUtcOffset(at);
        return string.Create(Culture, $"UTC{(offset < TimeSpan.Zero ? '-' : '+')}{offset.Duration():hh\\:mm}");
    }

    /// <summary>How a page states its zone: "UTC", or "UTC+01:00 (Europe/Paris)".</summary>
    public static string ZoneLabel(TimeZoneInfo zone, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return zone.Id == TimeZoneInfo.Utc.Id ? "UTC" : $"{Offset(zone, at)} ({zone.Id})";
    }

    /// <summary>An IANA zone id as browsers name them; null for empty or unknown ids ("Etc/UTC" and "UTC" are UTC).</summary>
    public static TimeZoneInfo? FindZone(string? ianaId)
    {
        if (string.IsNullOrWhiteSpace(ianaId) || ianaId.Length > 64)
        {
            return null;
        }

        if (ianaId is "UTC" or "Etc/UTC" or "Etc/Universal" or "Universal" or "Zulu" or "Etc/Zulu")
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(ianaId);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>A wall-clock time as a datetime-local input gives it (2026-05-01T12:00, seconds optional).</summary>
    public static bool TryParseLocalInput(string? value, out System.DateTime local) =>
        System.DateTime.TryParseExact(value?.Trim(), LocalInputFormats, Culture, DateTimeStyles.None, out local);

    /// <summary>The instant a wall-clock time in <paramref name="zone"/> stands for; null for a time the zone skips (the hour a DST change jumps over).</summary>
    public static DateTimeOffset? FromLocal(System.DateTime local, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var unspecified = System.DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        return zone.IsInvalidTime(unspecified) ? null : new DateTimeOffset(unspecified, zone.GetUtcOffset(unspecified));
    }

    /// <summary>The instant as a datetime-local input's value in <paramref name="zone"/>.</summary>
    public static string LocalInput(DateTimeOffset value, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(value, zone).ToString("yyyy-MM-dd'T'HH:mm", Culture);

    public static string Duration(TimeSpan value) => value.TotalDays >= 1
        ? string.Create(Culture, $"{(int)value.TotalDays}d {value.Hours}h {value.Minutes}m")
        : string.Create(Culture, $"{value.Hours:00}:{value.Minutes:00}:{value.Seconds:00}");

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return string.Create(Culture, $"{value:0.#} {units[unit]}");
    }
}
