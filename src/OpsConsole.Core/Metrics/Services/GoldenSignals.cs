using System.Globalization;
using OpsConsole.Core.Metrics.Query;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Metrics.Services;

/// <summary>The four golden signals of one service at each of a set of timestamps (NaN where not computable).</summary>
public sealed record SignalSeries(long[] TimestampsMs, double[] RequestRate, double[] ErrorRatio, double[] LatencyP95, double[] CpuCores, double[] MemoryBytes, double[] InFlight)
{
    /// <summary>4xx share of requests (client errors, 429 included), beside the 5xx <see cref="ErrorRatio"/>.</summary>
    public double[] ClientErrorRatio { get; init; } = [];

    /// <summary>429 answers per second: the rate limiter turning requests away.</summary>
    public double[] ThrottledRate { get; init; } = [];

    public bool HasRequests => RequestRate.Any(v => !double.IsNaN(v));

    public bool HasLatency => LatencyP95.Any(v => !double.IsNaN(v));
}

/// <summary>Which metric names carry a service's signals (see <see cref="GoldenSignals.NamesOf"/>).</summary>
public sealed record SignalNames(string Requests, string StatusLabel, string LatencyBuckets, string Memory, string InFlight)
{
    /// <summary>The PromQL of each signal for a Prometheus job, in the order of <see cref="SignalSeries"/>'s arrays.</summary>
    public IReadOnlyList<(string Signal, string PromQl)> PromQl(string job, TimeSpan rateWindow)
    {
        var w = $"{(long)Math.Ceiling(rateWindow.TotalSeconds)}s";
        var j = $"job=\"{job.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
        return
        [
            ("request_rate", $"sum(rate({Requests}{{{j}}}[{w}]))"),
            ("error_ratio", $"sum(rate({Requests}{{{j}, {StatusLabel}=~\"5..\"}}[{w}])) / sum(rate({Requests}{{{j}}}[{w}]))"),
            ("latency_p95", $"histogram_quantile(0.95, sum by (le) (rate({LatencyBuckets}{{{j}}}[{w}])))"),
            ("cpu_cores", $"sum(rate({GoldenSignals.CpuCounter}{{{j}}}[{w}]))"),
            ("memory_bytes", $"sum({Memory}{{{j}}})"),
            ("in_flight", $"sum({InFlight}{{{j}}})"),
            ("client_error_ratio", $"sum(rate({Requests}{{{j}, {StatusLabel}=~\"4..\"}}[{w}])) / sum(rate({Requests}{{{j}}}[{w}]))"),
            ("throttled_rate", $"sum(rate({Requests}{{{j}, {StatusLabel}=\"429\"}}[{w}]))"),
        ];
    }
}

/// <summary>
/// Computes request rate, error ratio (5xx / all), p95 latency and saturation for one scrape target from the metric
/// names common exporters use, the way the equivalent PromQL would (sum of rates; histogram_quantile over summed
/// bucket rates). Which names are recognised is listed here and in the README.
/// </summary>
public static class GoldenSignals
{
    /// <summary>Request counters, in order of preference: prometheus-net, the common convention, OpenTelemetry, Micrometer.</summary>
    public static readonly string[] RequestCounters =
        ["http_requests_received_total", "http_requests_total", "http_server_request_duration_seconds_count", "http_server_requests_seconds_count", "http_request_duration_seconds_count"];

    /// <summary>Latency histograms (seconds), in order of preference.</summary>
    public static readonly string[] LatencyHistograms =
        ["http_request_duration_seconds_bucket", "http_server_request_duration_seconds_bucket", "http_server_requests_seconds_bucket"];

    /// <summary>Label names that carry the HTTP status code.</summary>
    public static readonly string[] StatusLabels = ["code", "status", "status_code", "http_response_status_code"];

    public static readonly string[] InFlightGauges = ["http_requests_in_progress", "http_server_active_requests"];

    public static readonly string[] MemoryGauges = ["process_resident_memory_bytes", "process_working_set_bytes"];

    public const string CpuCounter = "process_cpu_seconds_total";

    /// <summary>
    /// The metric names this target exposes for each signal (from the store's recent series; the most common names when
    /// it has none), and the PromQL a Prometheus server evaluates for the same signals over its longer history.
    /// </summary>
    public static SignalNames NamesOf(MetricStore store, string target)
    {
        ArgumentNullException.ThrowIfNull(store);
        bool OfTarget(StoredSeries s) => string.Equals(s.Target, target, StringComparison.Ordinal);
        string Find(string[] names) => names.FirstOrDefault(n => store.Select(n, OfTarget, long.MaxValue, long.MaxValue).Count > 0) ?? names[0];
        var requests = Find(RequestCounters);
        var status = store.Select(requests, OfTarget, long.MaxValue, long.MaxValue).Select(s => StatusLabels.FirstOrDefault(l => s.Series.Label(l) is not null)).FirstOrDefault(l => l is not null) ?? StatusLabels[0];
        return new SignalNames(requests, status, Find(LatencyHistograms), Find(MemoryGauges), Find(InFlightGauges));
    }

    public static SignalSeries Compute(MetricStore store, string target, long[] timestampsMs, TimeSpan rateWindow)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(timestampsMs);
        var windowMs = (long)rateWindow.TotalMilliseconds;
        var lookbackMs = (long)MetricQueryService.LookbackDelta.TotalMilliseconds;
        var fromMs = timestampsMs.Length == 0 ? 0 : timestampsMs[0] - Math.Max(windowMs, lookbackMs);
        var toMs = timestampsMs.Length == 0 ? 0 : timestampsMs[^1];
        bool OfTarget(StoredSeries s) => string.Equals(s.Target, target, StringComparison.Ordinal);

        var requests = First(store, RequestCounters, OfTarget, fromMs, toMs);
        var buckets = First(store, LatencyHistograms, OfTarget, fromMs, toMs);
        var cpu = store.Select(CpuCounter, OfTarget, fromMs, toMs);
        var memory = First(store, MemoryGauges, OfTarget, fromMs, toMs);
        var inFlight = First(store, InFlightGauges, OfTarget, fromMs, toMs);

        var n = timestampsMs.Length;
        var rate = new double[n];
        var errors = new double[n];
        var p95 = new double[n];
        var cpuCores = new double[n];
        var memoryBytes = new double[n];
        var inFlightNow = new double[n];
        var clientErrors = new double[n];
        var throttled = new double[n];
        var bucketRates = new Dictionary<double, double>();
        var bucketList = new List<HistogramBucket>();
        for (var i = 0; i < n; i++)
        {
            var t = timestampsMs[i];
            double total = double.NaN, failed = 0, rejected = 0, tooMany = 0;
            foreach (var series in requests)
            {
                var r = RateOf(series, t, windowMs);
                if (double.IsNaN(r))
                {
                    continue;
                }

                total = double.IsNaN(total) ? r : total + r;
                switch (StatusClass(series.Series))
                {
                    case '5':
                        failed += r;
                        break;
                    case '4':
                        rejected += r;
                        tooMany += IsTooManyRequests(series.Series) ? r : 0;
                        break;
                }
            }

            rate[i] = total;
            errors[i] = double.IsNaN(total) || total <= 0 ? double.NaN : failed / total;
            clientErrors[i] = double.IsNaN(total) || total <= 0 ? double.NaN : rejected / total;
            throttled[i] = double.IsNaN(total) ? double.NaN : tooMany;

            bucketRates.Clear();
            foreach (var series in buckets)
            {
                var r = RateOf(series, t, windowMs);
                if (!double.IsNaN(r) && TryParseLe(series.Series.Label("le"), out var le))
                {
                    bucketRates[le] = bucketRates.GetValueOrDefault(le) + r;
                }
            }

            bucketList.Clear();
            foreach (var (le, count) in bucketRates)
            {
                bucketList.Add(new HistogramBucket(le, count));
            }

            p95[i] = bucketList.Count == 0 ? double.NaN : PromMath.HistogramQuantile(0.95, bucketList);
            cpuCores[i] = SumOf(cpu, s => RateOf(s, t, windowMs));
            memoryBytes[i] = SumOf(memory, s => InstantOf(s, t, lookbackMs));
            inFlightNow[i] = SumOf(inFlight, s => InstantOf(s, t, lookbackMs));
        }

        return new SignalSeries(timestampsMs, rate, errors, p95, cpuCores, memoryBytes, inFlightNow)
        {
            ClientErrorRatio = clientErrors,
            ThrottledRate = throttled,
        };
    }

    private static IReadOnlyList<SeriesData> First(MetricStore store, string[] names, Func<StoredSeries, bool> filter, long fromMs, long toMs)
    {
        foreach (var name in names)
        {
            var found = store.Select(name, filter, fromMs, toMs);
            if (found.Count > 0)
            {
                return found;
            }
        }

        return [];
    }

    /// <summary>The first digit of the series' status code ('5' for 5xx), or '\0' without one.</summary>
    private static char StatusClass(StoredSeries series) => StatusCode(series) is { } code ? code[0] : '\0';

    private static bool IsTooManyRequests(StoredSeries series) => StatusCode(series) == "429";

    private static string? StatusCode(StoredSeries series)
    {
        foreach (var label in StatusLabels)
        {
            if (series.Label(label) is { Length: 3 } code)
            {
                return code;
            }
        }

        return null;
    }

    private static bool TryParseLe(string? text, out double le)
    {
        le = 0;
        return text is not null && (text is "+Inf" ? (le = double.PositiveInfinity) > 0 : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out le));
    }

    private static double SumOf(IReadOnlyList<SeriesData> series, Func<SeriesData, double> value)
    {
        var sum = double.NaN;
        foreach (var s in series)
        {
            var v = value(s);
            if (!double.IsNaN(v))
            {
                sum = double.IsNaN(sum) ? v : sum + v;
            }
        }

        return sum;
    }

    private static double RateOf(SeriesData data, long atMs, long windowMs)
    {
        var (start, end) = Window(data.Timestamps, atMs - windowMs, atMs);
        return end - start < 2
            ? double.NaN
            : PromMath.ExtrapolatedRate(data.Timestamps.AsSpan(start, end - start), data.Values.AsSpan(start, end - start), atMs - windowMs, atMs, isCounter: true, perSecond: true);
    }

    private static double InstantOf(SeriesData data, long atMs, long lookbackMs)
    {
        var (start, end) = Window(data.Timestamps, atMs - lookbackMs, atMs);
        return end > start && !MetricStore.IsStale(data.Values[end - 1]) ? data.Values[end - 1] : double.NaN;
    }

    /// <summary>Indexes [start, end) of the samples with fromMs &lt;= t &lt;= toMs (timestamps ascend).</summary>
    private static (int Start, int End) Window(long[] timestamps, long fromMs, long toMs)
    {
        var start = Array.BinarySearch(timestamps, fromMs);
        start = start < 0 ? ~start : start;
        while (start > 0 && timestamps[start - 1] == fromMs)
        {
            start--;
        }

        var end = Array.BinarySearch(timestamps, toMs);
        end = end < 0 ? ~end : end + 1;
        while (end < timestamps.Length && timestamps[end] == toMs)
        {
            end++;
        }

        return (start, end);
    }
}
