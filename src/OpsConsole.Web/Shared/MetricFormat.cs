using System.Globalization;
using OpsConsole.Core.Metrics.Services;

namespace OpsConsole.Web.Shared;

/// <summary>How the metric screens write numbers: short, unit-bearing, "—" where there is no value.</summary>
public static class MetricFormat
{
    private static CultureInfo C => CultureInfo.InvariantCulture;

    public const string None = "—";

    public static string Rate(double perSecond) =>
        double.IsNaN(perSecond) ? None
        : perSecond >= 1000 ? string.Create(C, $"{perSecond / 1000:0.0}k/s")
        : perSecond >= 10 ? string.Create(C, $"{perSecond:0}/s")
        : string.Create(C, $"{perSecond:0.0#}/s");

    public static string Ratio(double ratio) =>
        double.IsNaN(ratio) ? None
        : ratio == 0 ? "0 %"
        : ratio < 0.001 ? "<0.1 %"
        : string.Create(C, $"{ratio * 100:0.0} %");

    public static string Seconds(double seconds) =>
        double.IsNaN(seconds) || double.IsInfinity(seconds) ? None
        : seconds >= 10 ? string.Create(C, $"{seconds:0} s")
        : seconds >= 1 ? string.Create(C, $"{seconds:0.0#} s")
        : string.Create(C, $"{seconds * 1000:0} ms");

    public static string Cores(double cores) => double.IsNaN(cores) ? None : string.Create(C, $"{cores:0.00} cores");

    public static string Bytes(double bytes) => double.IsNaN(bytes) ? None : Format.Bytes((long)bytes);

    public static string Count(double value) => double.IsNaN(value) ? None : value.ToString("0.##", C);

    /// <summary>A value for a chart axis or hover: compact, no unit.</summary>
    public static string Number(double value) =>
        double.IsNaN(value) ? None
        : Math.Abs(value) >= 1e9 ? string.Create(C, $"{value / 1e9:0.##}G")
        : Math.Abs(value) >= 1e6 ? string.Create(C, $"{value / 1e6:0.##}M")
        : Math.Abs(value) >= 1e3 ? string.Create(C, $"{value / 1e3:0.##}k")
        : value.ToString("0.###", C);

    /// <summary>The word for a tile state; also its CSS class suffix and test hook.</summary>
    public static string StateText(ServiceState state) => state switch
    {
        ServiceState.Healthy => "healthy",
        ServiceState.Warning => "warning",
        ServiceState.Critical => "critical",
        ServiceState.Stale => "stale",
        _ => "nodata",
    };
}
