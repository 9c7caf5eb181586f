using System.Globalization;
using System.Text;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.PromQl;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Tests.Metrics.PromQl;

/// <summary>
/// A real <see cref="MetricStore"/> filled with exact samples: each series is its own scrape target, so writing one
/// series never marks another stale; <see cref="Stale"/> writes a stale marker the way a failed scrape does.
/// </summary>
internal sealed class TestStore
{
    public MetricStore Store { get; } = new(new MetricStoreOptions { Retention = TimeSpan.FromHours(6), ScrapeInterval = TimeSpan.FromSeconds(15) });

    /// <summary>Samples of one series (PromQL notation, e.g. <c>http_requests_total{job="a"}</c>) at seconds since the epoch.</summary>
    public TestStore Add(string series, params (double Seconds, double Value)[] samples)
    {
        foreach (var (seconds, value) in samples)
        {
            // The exposition parser wants no blanks between labels; the tests write them for readability.
            var text = string.Create(CultureInfo.InvariantCulture, $"{series.Replace(", ", ",", StringComparison.Ordinal)} {Format(value)}\n");
            Store.Ingest(series, new Dictionary<string, string>(), Encoding.UTF8.GetBytes(text), ExpositionFormat.PrometheusText, (long)Math.Round(seconds * 1000));
        }

        return this;
    }

    /// <summary>The series ends at this moment (Prometheus's stale marker).</summary>
    public TestStore Stale(string series, double seconds)
    {
        Store.MarkTargetStale(series, (long)Math.Round(seconds * 1000));
        return this;
    }

    public PromQlResult Evaluate(string expression, double atSeconds) =>
        new PromQlEvaluator(Store).Evaluate(PromQlParser.Parse(expression), (long)Math.Round(atSeconds * 1000));

    /// <summary>The vector as "labels -> value", labels in Prometheus's notation with __name__ first when present.</summary>
    public Dictionary<string, double> Vector(string expression, double atSeconds)
    {
        var result = Evaluate(expression, atSeconds);
        Assert.False(result.IsScalar, $"{expression} is a scalar");
        var vector = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var sample in result.Samples)
        {
            Assert.True(vector.TryAdd(Render(sample), sample.Value), $"{Render(sample)} twice in {expression}");
        }

        return vector;
    }

    public double Scalar(string expression, double atSeconds)
    {
        var result = Evaluate(expression, atSeconds);
        Assert.True(result.IsScalar, $"{expression} is not a scalar");
        return result.Scalar;
    }

    public static string Render(PromQlSample sample)
    {
        var labels = sample.Labels.Where(l => l.Value.Length > 0).Select(l => $"{l.Key}=\"{l.Value}\"");
        return "{" + string.Join(", ", (sample.MetricName is null ? labels : labels.Prepend($"__name__=\"{sample.MetricName}\""))) + "}";
    }

    private static string Format(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture);
}
