using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Metrics.RemotePrometheus;

/// <summary>The JSON envelope of every Prometheus HTTP API answer (<c>status</c>, <c>data</c> or <c>errorType</c>/<c>error</c>).</summary>
internal sealed class ApiEnvelope<T>
{
    public string? Status { get; set; }

    public string? ErrorType { get; set; }

    public string? Error { get; set; }

    public List<string>? Warnings { get; set; }

    public T? Data { get; set; }
}

internal sealed class MatrixData
{
    public string? ResultType { get; set; }

    public List<MatrixSeries>? Result { get; set; }
}

internal sealed class MatrixSeries
{
    public Dictionary<string, string>? Metric { get; set; }

    public List<ApiSample>? Values { get; set; }
}

/// <summary>The data of an instant query (<c>/api/v1/query</c>): a vector, a scalar, a string or a matrix.</summary>
internal sealed class InstantData
{
    public string? ResultType { get; set; }

    public JsonElement Result { get; set; }
}

internal sealed class VectorSample
{
    public Dictionary<string, string>? Metric { get; set; }

    public ApiSample Value { get; set; }
}

/// <summary>One <c>[unix seconds, "value"]</c> pair.</summary>
[JsonConverter(typeof(ApiSampleConverter))]
internal readonly record struct ApiSample(double UnixSeconds, string Value);

internal sealed class ApiSampleConverter : JsonConverter<ApiSample>
{
    public override ApiSample Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray || !reader.Read() || reader.TokenType != JsonTokenType.Number)
        {
            throw new JsonException("a sample must be [timestamp, \"value\"]");
        }

        var time = reader.GetDouble();
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("a sample must be [timestamp, \"value\"]");
        }

        var value = reader.GetString()!;
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
        {
            throw new JsonException("a sample must be [timestamp, \"value\"]");
        }

        return new ApiSample(time, value);
    }

    public override void Write(Utf8JsonWriter writer, ApiSample value, JsonSerializerOptions options) =>
        throw new NotSupportedException("samples are only read");
}

/// <summary>Turning Prometheus answers into the console's query results (pure: no I/O, tested on canned bodies).</summary>
internal static class PrometheusApi
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Seconds as Prometheus reads them in start/end/step (a float; milliseconds are enough).</summary>
    public static string Seconds(long milliseconds) => (milliseconds / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Prometheus's value strings: decimal numbers, "NaN", "+Inf", "-Inf".</summary>
    public static double ParseValue(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new JsonException($"the value \"{text}\" is not a number"),
    };

    /// <summary>
    /// Places each series' samples on the query's step timestamps (NaN where Prometheus had none), orders series as the
    /// in-memory path does (fewest labels, then label values), and keeps the first <paramref name="maxSeries"/>.
    /// </summary>
    public static QueryResult ToResult(MatrixData data, RangeQuery query, int maxSeries, Func<string, string> jobFromPrometheus, string? notice)
    {
        var timestampsMs = query.StepTimestampsMs();
        var all = data.Result ?? [];
        var series = all
            .Select(s => Labels(s.Metric, jobFromPrometheus))
            .Select((labels, i) => (Labels: labels, Index: i))
            .OrderBy(s => s.Labels.Length)
            .ThenBy(s => string.Join(',', s.Labels.Select(l => l.Value)), StringComparer.Ordinal)
            .ThenBy(s => string.Join(',', s.Labels.Select(l => l.Key)), StringComparer.Ordinal)
            .Take(Math.Max(0, maxSeries))
            .Select(s => new ResultSeries(NameOf(all[s.Index].Metric, query), s.Labels, Align(all[s.Index].Values, timestampsMs, query.StepMs)))
            .ToList();
        return new QueryResult(timestampsMs, series, QuerySource.Prometheus, all.Count, notice);
    }

    /// <summary>
    /// An instant query's answer as rule samples: a vector's elements with all their labels (as Prometheus returns them),
    /// or a scalar as one sample without labels, as Prometheus's rule manager treats it. A string or a matrix is refused.
    /// </summary>
    public static IReadOnlyList<InstantSample> ToSamples(InstantData data) => data.ResultType switch
    {
        "vector" => [.. (data.Result.Deserialize<List<VectorSample>>(Json) ?? [])
            .Select(s => new InstantSample(s.Metric ?? [], ParseValue(s.Value.Value)))],
        "scalar" => [new InstantSample(new Dictionary<string, string>(), ParseValue(data.Result.Deserialize<ApiSample>(Json).Value))],
        _ => throw new JsonException($"the expression gives a {(data.ResultType == "matrix" ? "range vector" : data.ResultType)}; an alert expression must give an instant vector or a scalar"),
    };

    /// <summary>A selector's series carry its name; an expression's carry the <c>__name__</c> Prometheus kept (none after most functions).</summary>
    private static string NameOf(Dictionary<string, string>? metric, RangeQuery query) =>
        query.Expression is null ? query.Selector.MetricName : metric?.GetValueOrDefault("__name__") ?? "";

    private static KeyValuePair<string, string>[] Labels(Dictionary<string, string>? metric, Func<string, string> jobFromPrometheus) =>
        [.. (metric ?? []).Where(l => l.Key != "__name__")
            .Select(l => l.Key == "job" ? new KeyValuePair<string, string>(l.Key, jobFromPrometheus(l.Value)) : l)
            .OrderBy(l => l.Key, StringComparer.Ordinal)];

    private static double[] Align(List<ApiSample>? samples, long[] timestampsMs, long stepMs)
    {
        var values = new double[timestampsMs.Length];
        Array.Fill(values, double.NaN);
        if (samples is null)
        {
            return values;
        }

        var first = timestampsMs[0];
        foreach (var sample in samples)
        {
            // Prometheus evaluates at start + k·step; rounding absorbs the float seconds' last digit.
            var ms = (long)Math.Round(sample.UnixSeconds * 1000);
            var k = (long)Math.Round((ms - first) / (double)stepMs);
            if (k >= 0 && k < values.Length && Math.Abs(ms - timestampsMs[k]) < stepMs / 2.0)
            {
                values[k] = ParseValue(sample.Value);
            }
        }

        return values;
    }
}

/// <summary>One element of an instant query's answer: all its labels as Prometheus returns them, and its value.</summary>
public sealed record InstantSample(IReadOnlyDictionary<string, string> Labels, double Value);
