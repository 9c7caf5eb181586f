using System.Globalization;
using System.Text.Json;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Metrics.PromQl;
using OpsConsole.Core.Metrics.Store;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Metrics.PromQl;

/// <summary>
/// The same hour of samples backfilled into a real Prometheus 2.42 (promtool) and written into a <see cref="MetricStore"/>,
/// three to four hours in the past so the blocks never touch Prometheus's head.
/// </summary>
public sealed class PromQlConformanceFixture : IAsyncLifetime
{
    public PrometheusServer Prometheus { get; private set; } = default!;

    public ConsoleRuleQueryEngine Engine { get; private set; } = default!;

    public long StartMs { get; private set; }

    public async Task InitializeAsync()
    {
        // Four hours back, on a 5 min boundary; promtool cuts blocks on 2 h boundaries, all of them older than the head.
        StartMs = (DateTimeOffset.UtcNow.AddHours(-4).ToUnixTimeMilliseconds() / 300_000) * 300_000;
        var data = new ConformanceData(StartMs);
        var store = new MetricStore(new MetricStoreOptions { Retention = TimeSpan.FromHours(6), ScrapeInterval = TimeSpan.FromSeconds(10) });
        data.LoadInto(store);
        Assert.Equal(data.Series.Count, store.SeriesCount);
        Engine = new ConsoleRuleQueryEngine(store);
        Prometheus = await PrometheusServer.StartAsync(ExternalServerProcess.FreePort(), new Dictionary<string, Uri>(), data.ToOpenMetrics());
    }

    public async Task DisposeAsync() => await Prometheus.DisposeAsync();
}

/// <summary>
/// The correctness anchor: ~60 expressions of the subset, each at nine evaluation times (on sample timestamps, at the
/// 5 min lookback's edge, inside gaps, across a counter reset), answered by Prometheus's /api/v1/query and by the
/// console's engine: the same label sets, values equal within 1e-9 relative, and the same refusals.
/// </summary>
public sealed class PromQlConformanceTests(PromQlConformanceFixture fixture) : IClassFixture<PromQlConformanceFixture>
{
    private const double RelativeTolerance = 1e-9;

    /// <summary>Seconds after the data starts: grid points, a lookback edge, gaps, after a reset, past the end.</summary>
    private static readonly double[] Times = [600, 1260, 1560, 1800, 1937.5, 2800, 3600, 3900, 3900.125];

    public static TheoryData<string> Expressions { get; } =
    [
        // Selectors, matchers, lookback and gaps.
        "up",
        "up == 0",
        "up == bool 0",
        "http_requests_total{code=~\"5..\"}",
        "http_requests_total{code!=\"200\", job=\"api\", method=~\"G.*\"}",
        "http_requests_total{code!~\"2..|4..\", instance!=\"10.0.0.1:8080\"}",
        "temperature",
        "queue_depth",
        "count({__name__=~\"temperature|queue_depth\"})",
        "sum by (__name__) ({__name__=~\"up|build_info\"})",

        // Rate family, resets, extrapolation.
        "rate(http_requests_total[5m])",
        "rate(http_requests_total{code=\"503\"}[1m])",
        "irate(http_requests_total{job=\"api\"}[1m])",
        "increase(http_requests_total{job=\"web\"}[10m])",
        "rate(resets_total[5m])",
        "increase(resets_total[15m])",
        "irate(resets_total[1m])",
        "rate(sparse_total[5m])",
        "increase(sparse_total[10m])",
        "rate(request_duration_seconds_count[2m])",

        // Aggregations.
        "sum by (job) (rate(http_requests_total[5m]))",
        "sum without (method, instance) (rate(http_requests_total[5m]))",
        "avg by (job, code) (rate(http_requests_total[5m]))",
        "max by (room) (temperature) - min by (room) (temperature)",
        "count by (job) (up)",
        "sum(up) by (job) / count(up) by (job)",
        "count(http_requests_total > 1000)",
        "avg(temperature)",
        "sum(temperature)",
        "max(temperature)",
        "min(queue_depth)",
        "count_over_time(temperature[10m]) > 15",
        "rate(http_requests_total[5m]) * 60 > bool 10",
        "(up == 1) * on(instance) group_left(version) build_info",
        "histogram_quantile(scalar(count(up)) / 4, sum by (le) (rate(request_duration_seconds_bucket[5m])))",

        // Alert-shaped expressions.
        "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / sum by (job) (rate(http_requests_total[5m]))",
        "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / sum by (job) (rate(http_requests_total[5m])) > 0.02",
        "histogram_quantile(0.95, sum by (le, job) (rate(request_duration_seconds_bucket[5m])))",
        "histogram_quantile(0.5, rate(request_duration_seconds_bucket[5m]))",
        "histogram_quantile(0.99, sum by (le) (rate(request_duration_seconds_bucket{job=\"api\"}[10m]))) > 0.5",
        "sum by (job) (rate(request_duration_seconds_sum[5m])) / sum by (job) (rate(request_duration_seconds_count[5m]))",
        "increase(http_requests_total{code=\"500\"}[10m]) > 100",

        // Over time.
        "avg_over_time(temperature[10m])",
        "min_over_time(temperature[5m])",
        "max_over_time(temperature[5m])",
        "sum_over_time(queue_depth[15m])",
        "count_over_time(temperature[10m])",
        "count_over_time(up[5m])",
        "last_over_time(temperature[10m])",
        "absent_over_time(temperature{room=\"lab\"}[5m])",

        // Absent.
        "absent(temperature{room=\"lab\"})",
        "absent(up{job=\"nope\", instance=~\".+\"})",
        "absent(up{job=\"api\"})",

        // Comparisons, arithmetic and functions.
        "temperature > 21",
        "21 < temperature",
        "temperature > bool 21",
        "-temperature + 100",
        "temperature ^ 2 % 7",
        "abs(temperature - 22)",
        "round(temperature, 0.5)",
        "ceil(temperature) - floor(temperature)",
        "clamp_max(clamp_min(temperature, 19), 23)",
        "scalar(sum(up))",
        "time()",
        "vector(time() % 3600)",
        "1 + 2 * 3 ^ 2",
        "(1 + 2) * 3 > bool 8",

        // Vector matching and set operators.
        "http_requests_total * on(job, instance) group_left(version) build_info",
        "build_info * on(job, instance) group_right(version) rate(http_requests_total[5m])",
        "http_requests_total / on(job, instance) group_left sum by (job, instance) (http_requests_total)",
        "avg by (room) (temperature) * on(room) count_over_time(temperature[10m])",
        "up and on(instance) (rate(http_requests_total{code=\"200\", method=\"GET\"}[5m]) > 0)",
        "up unless on(instance) build_info{job=\"web\"}",
        "up unless ignoring(version) build_info or vector(1)",
        "up or on(job) vector(0)",
        "sum by (job) (up) or vector(0)",
        "temperature unless temperature > 22",
        "up > on(job, instance) group_left build_info - 1",

        // Refused by both.
        "http_requests_total + on(job) http_requests_total",
        "http_requests_total * on(job, instance) build_info * on(job) http_requests_total",
        "rate({__name__=~\"request_duration_seconds_sum|request_duration_seconds_count\"}[5m])",
    ];

    [Theory]
    [MemberData(nameof(Expressions))]
    public async Task The_console_answers_as_Prometheus_does(string expression)
    {
        var mismatches = new List<string>();
        var answered = 0; // times at which Prometheus returned samples or refused: an all-empty comparison proves nothing
        foreach (var seconds in Times)
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds(fixture.StartMs + (long)(seconds * 1000));
            using var expected = await fixture.Prometheus.QueryAsync(expression, at);
            var root = expected.RootElement;
            IReadOnlyList<RuleSample>? actual = null;
            string? error = null;
            try
            {
                actual = await fixture.Engine.EvaluateAsync(expression, at, CancellationToken.None);
            }
            catch (RuleExpressionException ex)
            {
                error = ex.Message;
            }

            if (root.GetProperty("status").GetString() != "success")
            {
                answered++;
                if (error is null)
                {
                    mismatches.Add($"t+{seconds}s: Prometheus refused ({root.GetProperty("error").GetString()}), the console answered {actual!.Count} samples");
                }

                continue;
            }

            if (error is not null)
            {
                mismatches.Add($"t+{seconds}s: the console refused ({error}), Prometheus answered");
                continue;
            }

            var expectedSamples = Expected(root.GetProperty("data"));
            answered += expectedSamples.Count > 0 ? 1 : 0;
            Compare(seconds, expectedSamples, actual!, mismatches);
        }

        Assert.True(mismatches.Count == 0, $"{expression}:\n{string.Join('\n', mismatches)}");
        Assert.True(answered > 0, $"{expression}: empty at every time, so the comparison proves nothing");
    }

    [Fact]
    public async Task The_data_is_where_the_comparison_expects_it()
    {
        // Guards the anchor itself: Prometheus holds every series and sample the console has (not an empty comparison).
        var at = DateTimeOffset.FromUnixTimeMilliseconds(fixture.StartMs + 3_660_000); // after the last sample, within 2 h of the first
        var data = new ConformanceData(fixture.StartMs);
        using var series = await fixture.Prometheus.QueryAsync("count(last_over_time({__name__=~\".+\"}[2h]))", at);
        Assert.Equal(data.Series.Count, Value(series.RootElement));
        foreach (var name in data.Series.Select(s => s.Name).Distinct())
        {
            var query = $"sum(count_over_time({name}[2h]))";
            using var samples = await fixture.Prometheus.QueryAsync(query, at);
            var expected = data.Series.Where(s => s.Name == name).Sum(s => s.Samples.Count);
            Assert.Equal(expected, Value(samples.RootElement));
            Assert.Equal(expected, (await fixture.Engine.EvaluateAsync(query, at, CancellationToken.None)).Single().Value);
        }

        static double Value(JsonElement root) => ParseValue(root.GetProperty("data").GetProperty("result")[0].GetProperty("value")[1].GetString()!);
    }

    private static List<RuleSample> Expected(JsonElement data)
    {
        var result = data.GetProperty("result");
        if (data.GetProperty("resultType").GetString() == "scalar")
        {
            return [new RuleSample(LabelSet.Empty, ParseValue(result[1].GetString()!))];
        }

        return [.. result.EnumerateArray().Select(s => new RuleSample(
            new LabelSet(s.GetProperty("metric").EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString()!))),
            ParseValue(s.GetProperty("value")[1].GetString()!)))];
    }

    private static void Compare(double seconds, List<RuleSample> expected, IReadOnlyList<RuleSample> actual, List<string> mismatches)
    {
        var mine = actual.ToDictionary(s => s.Labels.ToString(), s => s.Value, StringComparer.Ordinal);
        if (mine.Count != actual.Count)
        {
            mismatches.Add($"t+{seconds}s: the console returned a label set twice");
        }

        foreach (var sample in expected)
        {
            var key = sample.Labels.ToString();
            if (!mine.Remove(key, out var value))
            {
                mismatches.Add($"t+{seconds}s: missing {key} = {sample.Value.ToString("R", CultureInfo.InvariantCulture)}");
            }
            else if (!Close(sample.Value, value))
            {
                mismatches.Add($"t+{seconds}s: {key} is {value.ToString("R", CultureInfo.InvariantCulture)}, Prometheus says {sample.Value.ToString("R", CultureInfo.InvariantCulture)}");
            }
        }

        mismatches.AddRange(mine.Select(extra => $"t+{seconds}s: extra {extra.Key} = {extra.Value.ToString("R", CultureInfo.InvariantCulture)}"));
    }

    private static bool Close(double expected, double actual) =>
        expected.Equals(actual) // same value, both NaN, or the same infinity
        || Math.Abs(expected - actual) <= RelativeTolerance * Math.Max(Math.Abs(expected), Math.Abs(actual));

    private static double ParseValue(string text) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
