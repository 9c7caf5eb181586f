using OpsConsole.Core.Metrics.Scraping;

namespace OpsConsole.Core.Metrics.Services;

public enum ServiceState
{
    /// <summary>Never scraped successfully yet.</summary>
    NoData,
    Healthy,
    Warning,
    Critical,

    /// <summary>The target stopped answering: the numbers shown are old.</summary>
    Stale,
}

/// <summary>
/// One service (scrape target) as its tile shows it: the latest golden signals, their recent history, and how old
/// the data is. Its state is not judged here from the numbers: the health model derives it from the service's alerts
/// (Core/Board/ServiceHealth), so tiles and rules never disagree. <see cref="DataStateAt"/> says only whether the data
/// is fresh, turning stale by time alone so a page notices a silent target even when no scrape event arrives.
/// </summary>
public sealed record ServiceSnapshot(
    string Name,
    TargetHealth Health,
    SignalSeries History,
    DateTimeOffset? LastData,
    TimeSpan StaleAfter)
{
    public double RequestRate => Last(History.RequestRate);

    public double ErrorRatio => Last(History.ErrorRatio);

    public double LatencyP95 => Last(History.LatencyP95);

    public double CpuCores => Last(History.CpuCores);

    public double MemoryBytes => Last(History.MemoryBytes);

    public double InFlight => Last(History.InFlight);

    /// <summary>NoData (never scraped), Stale (down, or no scrape for <see cref="StaleAfter"/>), else Healthy: fresh data.</summary>
    public ServiceState DataStateAt(DateTimeOffset now) =>
        LastData is not { } last ? ServiceState.NoData
        : !Health.Up || now - last > StaleAfter ? ServiceState.Stale
        : ServiceState.Healthy;

    /// <summary>Why the data is not fresh, in words ("no scrape for 45 s", "connection refused"), or null when it is.</summary>
    public string? DataReasonAt(DateTimeOffset now) => DataStateAt(now) switch
    {
        ServiceState.Stale => Health.Up ? $"no scrape for {Ages.Describe(now - LastData!.Value)}" : Health.LastError,
        ServiceState.NoData => Health.LastError,
        _ => null,
    };

    private static double Last(double[] values) => values.Length == 0 ? double.NaN : values[^1];
}

/// <summary>Data ages in the words the tiles use: "12 s", "2 min", "3 h".</summary>
public static class Ages
{
    public static string Describe(TimeSpan age) =>
        age < TimeSpan.Zero ? "0 s"
        : age < TimeSpan.FromMinutes(1) ? $"{(int)age.TotalSeconds} s"
        : age < TimeSpan.FromHours(1) ? $"{(int)age.TotalMinutes} min"
        : age < TimeSpan.FromDays(2) ? $"{(int)age.TotalHours} h"
        : $"{(int)age.TotalDays} d";
}
