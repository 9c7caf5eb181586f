using System.Globalization;

namespace OpsConsole.Web.Shared;

/// <summary>Display formatting shared by pages (invariant culture: the console is an operator tool, not localised yet).</summary>
public static class Format
{
    public static CultureInfo Culture => CultureInfo.InvariantCulture;

    public static string Time(DateTimeOffset? value) =>
        value?.ToUniversalTime().ToString("HH:mm:ss 'UTC'", Culture) ?? "—";

    public static string DateTime(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", Culture);

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
