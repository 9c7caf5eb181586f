using System.Globalization;
using System.Text;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.IntegrationTests.Metrics.PromQl;

/// <summary>One series with its exact samples (milliseconds since the epoch).</summary>
internal sealed record ConformanceSeries(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, List<(long Ms, double Value)> Samples)
{
    public string Selector =>
        Labels.Count == 0 ? Name : $"{Name}{{{string.Join(",", Labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}}";
}

/// <summary>
/// An hour of realistic, deterministic samples starting at <see cref="StartMs"/>: request counters per job, instance,
/// method and code (one instance restarts at 30 min, one series appears at 25 min, scrapes jitter by up to 375 ms),
/// latency histograms that slow down for ten minutes, <c>up</c> on an exact 15 s grid with a target gone for 7.5 min
/// and another down, gauges with gaps longer than the lookback and a NaN, counters that reset every few minutes, and a
/// counter scraped every 2 min. Jitter is in 125 ms steps: exact in binary, so OpenMetrics' float seconds lose nothing.
/// </summary>
internal sealed class ConformanceData
{
    public ConformanceData(long startMs)
    {
        StartMs = startMs;
        var random = new Random(20230131);
        Requests(random);
        Latency(random);
        Up();
        Temperature(random);
        BuildInfo();
        Queues(random);
        Resets(random);
        Sparse();
    }

    public long StartMs { get; }

    public List<ConformanceSeries> Series { get; } = [];

    private static readonly (string Job, string Instance)[] Instances = [("api", "10.0.0.1:8080"), ("api", "10.0.0.2:8080"), ("web", "10.0.1.1:80")];

    /// <summary>The same samples as OpenMetrics text with timestamps, for promtool.</summary>
    public string ToOpenMetrics()
    {
        var text = new StringBuilder();
        foreach (var series in Series)
        {
            var selector = series.Selector;
            foreach (var (ms, value) in series.Samples)
            {
                text.Append(selector).Append(' ').Append(Format(value)).Append(' ')
                    .Append((ms / 1000.0).ToString("0.000", CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        return text.Append("# EOF\n").ToString();
    }

    /// <summary>Writes every sample into the store, each series as its own target so none is ever marked stale.</summary>
    public void LoadInto(MetricStore store)
    {
        foreach (var series in Series)
        {
            var selector = series.Selector;
            foreach (var (ms, value) in series.Samples)
            {
                store.Ingest(selector, new Dictionary<string, string>(), Encoding.UTF8.GetBytes($"{selector} {Format(value)}\n"), ExpositionFormat.PrometheusText, ms);
            }
        }
    }

    private static string Format(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private ConformanceSeries Add(string name, params (string Key, string Value)[] labels)
    {
        var series = new ConformanceSeries(name, [.. labels.Select(l => new KeyValuePair<string, string>(l.Key, l.Value))], []);
        Series.Add(series);
        return series;
    }

    /// <summary>Scrape k of an instance: every 15 s, off by -375 ms to +375 ms in 125 ms steps (the same for all its series).</summary>
    private long ScrapeMs(int k, int instance) => StartMs + (k * 15_000L) + (((((k * 5) + (instance * 3)) % 7) - 3) * 125L);

    private void Requests(Random random)
    {
        foreach (var (job, instance) in Instances)
        {
            var index = Array.IndexOf(Instances, (job, instance));
            foreach (var method in new[] { "GET", "POST" })
            {
                foreach (var (code, perSecond) in new[] { ("200", 20.0), ("404", 1.0), ("500", 0.5), ("503", 0.2) })
                {
                    if (job == "web" && code == "503")
                    {
                        continue;
                    }

                    var series = Add("http_requests_total", ("code", code), ("instance", instance), ("job", job), ("method", method));
                    double value = random.Next(0, 1000);
                    for (var k = 0; k <= 240; k++)
                    {
                        if (job == "api" && code == "503" && method == "POST" && index == 0 && k < 100)
                        {
                            continue; // appears at 25 min
                        }

                        if (index == 1 && k == 120)
                        {
                            value = 0; // the instance restarted: its counters start over
                        }

                        value += random.Next(0, (int)(perSecond * 30) + 1);
                        series.Samples.Add((ScrapeMs(k, index), value));
                    }
                }
            }
        }
    }

    private void Latency(Random random)
    {
        double[] bounds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, double.PositiveInfinity];
        foreach (var (job, instance) in Instances)
        {
            var index = Array.IndexOf(Instances, (job, instance));
            var buckets = bounds.Select(le => Add("request_duration_seconds_bucket", ("instance", instance), ("job", job), ("le", le == double.PositiveInfinity ? "+Inf" : le.ToString(CultureInfo.InvariantCulture)))).ToArray();
            var sum = Add("request_duration_seconds_sum", ("instance", instance), ("job", job));
            var count = Add("request_duration_seconds_count", ("instance", instance), ("job", job));
            var counts = new double[bounds.Length];
            double total = 0, observations = 0;
            for (var k = 0; k <= 240; k++)
            {
                if (index == 1 && k == 120)
                {
                    Array.Clear(counts);
                    (total, observations) = (0, 0);
                }

                var mean = job == "api" && k is >= 160 and < 200 ? 1.8 : job == "api" ? 0.12 : 0.3;
                for (var n = random.Next(50, 150); n > 0; n--)
                {
                    var latency = Math.Round(-Math.Log(1 - random.NextDouble()) * mean, 3);
                    for (var b = 0; b < bounds.Length; b++)
                    {
                        counts[b] += latency <= bounds[b] ? 1 : 0;
                    }

                    total += latency;
                    observations++;
                }

                var at = ScrapeMs(k, index);
                for (var b = 0; b < bounds.Length; b++)
                {
                    buckets[b].Samples.Add((at, counts[b]));
                }

                sum.Samples.Add((at, Math.Round(total, 3)));
                count.Samples.Add((at, observations));
            }
        }
    }

    private void Up()
    {
        foreach (var (job, instance) in Instances)
        {
            var series = Add("up", ("instance", instance), ("job", job));
            for (var k = 0; k <= 240; k++)
            {
                if (instance == "10.0.0.2:8080" && k is >= 60 and < 90)
                {
                    continue; // gone for 7.5 min: longer than the lookback
                }

                series.Samples.Add((StartMs + (k * 15_000L), job == "web" && k is >= 180 and < 200 ? 0 : 1));
            }
        }
    }

    private void Temperature(Random random)
    {
        foreach (var room in new[] { "lab", "office", "server" })
        {
            var series = Add("temperature", ("room", room));
            var value = room == "server" ? 24.0 : 20.5;
            for (var k = 0; k <= 120; k++)
            {
                value = Math.Round(value + ((random.NextDouble() - 0.5) * 0.8), 2);
                if (room == "lab" && k is > 40 and < 56)
                {
                    continue; // no samples from 20 to 28 min
                }

                var at = StartMs + (k * 30_000L) + ((k % 9) - 4) * 125L;
                series.Samples.Add((at, room == "office" && k == 50 ? double.NaN : value));
            }
        }
    }

    private void BuildInfo()
    {
        foreach (var (job, instance) in Instances)
        {
            var series = Add("build_info", ("instance", instance), ("job", job), ("version", job == "api" ? "1.5.0" : "1.4.2"));
            for (var k = 0; k <= 60; k++)
            {
                series.Samples.Add((StartMs + (k * 60_000L), 1));
            }
        }
    }

    private void Queues(Random random)
    {
        foreach (var queue in new[] { "orders", "emails" })
        {
            var series = Add("queue_depth", ("queue", queue));
            for (var k = 0; k <= 60; k++)
            {
                if (queue == "emails" && k is > 30 and < 41)
                {
                    continue;
                }

                series.Samples.Add((StartMs + (k * 60_000L) + 500, random.Next(-2, 40)));
            }
        }
    }

    private void Resets(Random random)
    {
        var series = Add("resets_total", ("job", "worker"));
        double value = 3;
        for (var k = 0; k <= 360; k++)
        {
            value = k % 42 == 41 ? random.Next(0, 3) : value + random.Next(0, 6);
            series.Samples.Add((StartMs + (k * 10_000L) + 250, value));
        }
    }

    private void Sparse()
    {
        var series = Add("sparse_total", ("job", "batch"));
        for (var k = 0; k <= 30; k++)
        {
            series.Samples.Add((StartMs + (k * 120_000L) + 1_000, 500 + (k * 97.5)));
        }
    }
}
