namespace OpsConsole.Core.Metrics.PromQl;

/// <summary>The functions and aggregations the console evaluates, and the rest of Prometheus 2.42's, to tell "not supported here" from "unknown".</summary>
public static class PromQlFunctions
{
    private static readonly PromQlType[] Matrix = [PromQlType.RangeVector];
    private static readonly PromQlType[] Vector = [PromQlType.InstantVector];
    private static readonly PromQlType[] VectorScalar = [PromQlType.InstantVector, PromQlType.Scalar];

    /// <summary>The console's subset, by name.</summary>
    public static IReadOnlyDictionary<string, PromQlFunction> Supported { get; } = new[]
    {
        new PromQlFunction("rate", Matrix, PromQlType.InstantVector),
        new PromQlFunction("irate", Matrix, PromQlType.InstantVector),
        new PromQlFunction("increase", Matrix, PromQlType.InstantVector),
        new PromQlFunction("avg_over_time", Matrix, PromQlType.InstantVector),
        new PromQlFunction("min_over_time", Matrix, PromQlType.InstantVector),
        new PromQlFunction("max_over_time", Matrix, PromQlType.InstantVector),
        new PromQlFunction("sum_over_time", Matrix, PromQlType.InstantVector),
        new PromQlFunction("count_over_time", Matrix, PromQlType.InstantVector),
        new PromQlFunction("last_over_time", Matrix, PromQlType.InstantVector),
        new PromQlFunction("absent_over_time", Matrix, PromQlType.InstantVector),
        new PromQlFunction("histogram_quantile", [PromQlType.Scalar, PromQlType.InstantVector], PromQlType.InstantVector),
        new PromQlFunction("absent", Vector, PromQlType.InstantVector),
        new PromQlFunction("vector", [PromQlType.Scalar], PromQlType.InstantVector),
        new PromQlFunction("scalar", Vector, PromQlType.Scalar),
        new PromQlFunction("time", [], PromQlType.Scalar),
        new PromQlFunction("abs", Vector, PromQlType.InstantVector),
        new PromQlFunction("ceil", Vector, PromQlType.InstantVector),
        new PromQlFunction("floor", Vector, PromQlType.InstantVector),
        new PromQlFunction("round", VectorScalar, PromQlType.InstantVector, OptionalArgs: 1),
        new PromQlFunction("clamp_min", VectorScalar, PromQlType.InstantVector),
        new PromQlFunction("clamp_max", VectorScalar, PromQlType.InstantVector),
    }.ToDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>Prometheus 2.42's other functions: valid PromQL, but not evaluated by the console.</summary>
    public static IReadOnlySet<string> OtherPrometheusFunctions { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "acos", "acosh", "asin", "asinh", "atan", "atanh", "changes", "clamp", "cos", "cosh", "days_in_month", "day_of_month",
        "day_of_week", "day_of_year", "deg", "delta", "deriv", "exp", "histogram_count", "histogram_sum", "histogram_fraction",
        "holt_winters", "hour", "idelta", "label_replace", "label_join", "ln", "log10", "log2", "minute", "month", "pi",
        "predict_linear", "present_over_time", "quantile_over_time", "rad", "resets", "sgn", "sin", "sinh", "sort", "sort_desc",
        "sqrt", "stddev_over_time", "stdvar_over_time", "tan", "tanh", "timestamp", "year",
    };

    /// <summary>Aggregations of the subset (keywords, case-insensitive as in Prometheus).</summary>
    public static IReadOnlyDictionary<string, AggregateOp> SupportedAggregations { get; } = new Dictionary<string, AggregateOp>(StringComparer.Ordinal)
    {
        ["sum"] = AggregateOp.Sum,
        ["avg"] = AggregateOp.Avg,
        ["min"] = AggregateOp.Min,
        ["max"] = AggregateOp.Max,
        ["count"] = AggregateOp.Count,
    };

    /// <summary>Prometheus's other aggregation operators.</summary>
    public static IReadOnlySet<string> OtherAggregations { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
    };
}
