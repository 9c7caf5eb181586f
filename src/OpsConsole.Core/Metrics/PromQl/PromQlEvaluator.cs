using System.Globalization;
using System.Text.RegularExpressions;
using OpsConsole.Core.Metrics.Query;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Metrics.PromQl;

/// <summary>One sample of a result: the metric name (null once a function or arithmetic dropped it), the other labels, the value.</summary>
public readonly record struct PromQlSample(string? MetricName, IReadOnlyList<KeyValuePair<string, string>> Labels, double Value);

/// <summary>An instant query's result: a scalar, or an instant vector.</summary>
public sealed class PromQlResult
{
    private PromQlResult(bool isScalar, double scalar, IReadOnlyList<PromQlSample> samples)
    {
        IsScalar = isScalar;
        Scalar = scalar;
        Samples = samples;
    }

    public bool IsScalar { get; }

    public double Scalar { get; }

    /// <summary>Empty for a scalar.</summary>
    public IReadOnlyList<PromQlSample> Samples { get; }

    internal static PromQlResult OfScalar(double value) => new(true, value, []);

    internal static PromQlResult Empty { get; } = new(false, double.NaN, []);

    internal static PromQlResult OfVector(IReadOnlyList<PromQlSample> samples) => new(false, double.NaN, samples);
}

/// <summary>An expression that parsed but cannot be evaluated over the data at hand (e.g. many-to-many matching).</summary>
public sealed class PromQlEvaluationException(string reason, int position) : Exception(reason)
{
    /// <summary>0-based offset of the operator or selector that failed.</summary>
    public int Position { get; } = position;
}

/// <summary>
/// Evaluates parsed PromQL at one instant over the <see cref="MetricStore"/> with Prometheus 2.42's semantics: an instant
/// selector takes the newest sample at or before t no older than the 5 min lookback (none when it is a stale marker);
/// a range selector takes the samples in the closed interval [t - range, t] (2.42 is closed on both ends; 3.0 made the
/// start open), stale markers left out; functions and arithmetic drop <c>__name__</c> (last_over_time keeps it),
/// comparisons without <c>bool</c> filter and keep the left value. Thread-safe; each evaluation takes the store's lock
/// once per selector and reuses pooled buffers, so a steady rule cycle allocates little beyond its results.
/// </summary>
public sealed class PromQlEvaluator(MetricStore store)
{
    /// <summary>Prometheus's default lookback delta.</summary>
    public const long LookbackMs = 300_000;

    private Run? _spare;

    public PromQlResult Evaluate(PromQlExpr expr, DateTimeOffset at) => Evaluate(expr, at.ToUnixTimeMilliseconds());

    public PromQlResult Evaluate(PromQlExpr expr, long atMs)
    {
        ArgumentNullException.ThrowIfNull(expr);
        var run = Interlocked.Exchange(ref _spare, null) ?? new Run(store);
        run.T = atMs;
        var value = run.Eval(expr);
        PromQlResult result;
        if (value.Vector is { Count: 0 } empty)
        {
            run.Return(empty);
            result = PromQlResult.Empty; // most alert expressions, most of the time
        }
        else if (value.Vector is { } vector)
        {
            var samples = new PromQlSample[vector.Count];
            for (var i = 0; i < vector.Count; i++)
            {
                ref var s = ref vector.Items[i];
                samples[i] = new PromQlSample(s.Name, s.Labels, s.Value);
            }

            run.Return(vector);
            result = PromQlResult.OfVector(samples);
        }
        else
        {
            result = PromQlResult.OfScalar(value.Scalar);
        }

        // Only a run that finished goes back: a failed one may hold rented buffers in odd states.
        _spare = run;
        return result;
    }

    private readonly struct Value(Vec? vector, double scalar)
    {
        public Vec? Vector { get; } = vector;

        public double Scalar { get; } = scalar;
    }

    /// <summary>An intermediate instant vector, pooled per run.</summary>
    private sealed class Vec
    {
        public EvalSample[] Items = new EvalSample[16];

        public int Count;

        /// <summary>The labelsets stay distinct when the metric name is dropped (so dropping it needs no check).</summary>
        public bool Distinct = true;

        public void Add(string? name, KeyValuePair<string, string>[] labels, double value)
        {
            if (Count == Items.Length)
            {
                Array.Resize(ref Items, Items.Length * 2);
            }

            Items[Count++] = new EvalSample(name, labels, value);
        }
    }

    private enum RangeFunction
    {
        Rate,
        Increase,
        Irate,
        Avg,
        Min,
        Max,
        Sum,
        Count,
        Last,
        Absent,
    }

    private struct Group
    {
        public int First;
        public double Value;
        public double Mean;
        public long Count;
    }

    /// <summary>One evaluation's state and scratch buffers (reused by the next evaluation once this one is done).</summary>
    private sealed class Run(MetricStore store)
    {
        private const int WarmBlock = 32;
        private static readonly string[] LeOnly = ["le"];
        private readonly long _scrapeIntervalMs = (long)store.Options.ScrapeInterval.TotalMilliseconds;
        private long _warmth;
        private readonly Stack<Vec> _vectors = new();
        private readonly Stack<SigIndex> _indexes = new();
        private readonly List<StoredSeries> _candidates = [];
        private long[] _timestamps = new long[256];
        private double[] _values = new double[256];
        private Group[] _groups = new Group[16];
        private int[] _ints = new int[16];
        private string?[] _key = new string?[4];
        private int[] _starts = new int[16];
        private readonly List<int> _firsts = [];
        private string?[] _groupKeys = new string?[64];
        private bool[] _flags = new bool[16];
        private HistogramBucket[] _buckets = new HistogramBucket[64];

        public long T { get; set; }

        public Value Eval(PromQlExpr expr) => expr switch
        {
            NumberLiteral number => new Value(null, number.Value),
            ParenExpr paren => Eval(paren.Inner),
            VectorSelector selector => new Value(SelectInstant(selector), 0),
            UnaryExpr unary => Unary(unary),
            BinaryExpr binary => Binary(binary),
            AggregateExpr aggregate => new Value(Aggregate(aggregate), 0),
            CallExpr call => Call(call),
            _ => throw new PromQlEvaluationException($"cannot evaluate a {PromQlExpr.TypeName(expr.Type)} here", expr.Position),
        };

        public void Return(Vec vector)
        {
            vector.Count = 0;
            vector.Distinct = true;
            _vectors.Push(vector);
        }

        private Vec Rent() => _vectors.Count > 0 ? _vectors.Pop() : new Vec();

        private SigIndex RentIndex()
        {
            var index = _indexes.Count > 0 ? _indexes.Pop() : new SigIndex();
            index.Clear();
            return index;
        }

        private void ReturnIndex(SigIndex index) => _indexes.Push(index);

        /// <summary>A scratch array of at least this size; its old contents are not kept.</summary>
        private static T[] Room<T>(ref T[] array, int size)
        {
            if (array.Length < size)
            {
                array = new T[Math.Max(size, array.Length * 2)];
            }

            return array;
        }

        // ---- selectors ----

        private Vec SelectInstant(VectorSelector selector)
        {
            var vector = Rent();
            store.Read((this, selector, vector), static (reader, s) =>
            {
                s.Item1.FillInstant(reader, s.selector, s.vector);
                return 0;
            });
            return vector;
        }

        private void FillInstant(MetricStoreReader reader, VectorSelector selector, Vec vector)
        {
            vector.Distinct = Candidates(reader, selector) <= 1;
            for (var block = 0; block < _candidates.Count; block += WarmBlock)
            {
                var end = Math.Min(block + WarmBlock, _candidates.Count);
                WarmUp(block, end, 1);
                for (var i = block; i < end; i++)
                {
                    // Inside the store's Read (its lock held): the ring directly, without the reader's per-call checks.
                    var series = _candidates[i];
                    if (series.Ring.TryGetAtOrBefore(T, out var timestamp, out var value) && T - timestamp <= LookbackMs && !MetricStore.IsStale(value))
                    {
                        vector.Add(series.MetricName, series.LabelArray, value);
                    }
                }
            }

            _candidates.Clear();
        }

        /// <summary>Series at a time: beyond a few thousand, memory latency dominates; touching a block first overlaps it.</summary>
        private void WarmUp(int from, int to, int newestSamples)
        {
            if (_candidates.Count < WarmBlock)
            {
                return;
            }

            var sum = 0L;
            for (var i = from; i < to; i++)
            {
                var ring = _candidates[i].Ring;
                sum += newestSamples <= 1 ? ring.LastTimestamp : ring.Touch(newestSamples);
            }

            _warmth += sum;
        }

        /// <summary>Collects the series a selector matches into <see cref="_candidates"/>; returns how many metric names they span.</summary>
        private int Candidates(MetricStoreReader reader, VectorSelector selector)
        {
            _candidates.Clear();
            try
            {
                if (selector.MetricName is { } name)
                {
                    if (!NameMatches(selector, name))
                    {
                        return 0;
                    }

                    AddCandidates(reader, selector, name);
                    return 1;
                }

                var names = 0;
                foreach (var candidateName in reader.MetricNames)
                {
                    var before = _candidates.Count;
                    if (NameMatches(selector, candidateName))
                    {
                        AddCandidates(reader, selector, candidateName);
                    }

                    names += _candidates.Count > before ? 1 : 0;
                }

                return names;
            }
            catch (RegexMatchTimeoutException)
            {
                throw new PromQlEvaluationException("a regular expression in this selector took too long to match (pathological pattern)", selector.Position);
            }
        }

        private static bool NameMatches(VectorSelector selector, string name)
        {
            foreach (var matcher in selector.CompiledNameMatchers)
            {
                if (!matcher.Matches(name))
                {
                    return false;
                }
            }

            return true;
        }

        private void AddCandidates(MetricStoreReader reader, VectorSelector selector, string name)
        {
            var matchers = selector.CompiledMatchers;

            // Narrowest first: the shortest list among the equality matchers' indexes ...
            IReadOnlyList<StoredSeries>? source = null;
            var used = -1;
            for (var i = 0; i < matchers.Length; i++)
            {
                if (matchers[i].Op == MatchOp.Equal && matchers[i].Value.Length > 0)
                {
                    var list = reader.SeriesWith(name, matchers[i].Name, matchers[i].Value);
                    if (list.Count == 0)
                    {
                        return;
                    }

                    if (source is null || list.Count < source.Count)
                    {
                        (source, used) = (list, i);
                    }
                }
            }

            // ... else the values a regular expression accepts (each value tested once), else every series of the name.
            if (source is null)
            {
                for (var i = 0; i < matchers.Length; i++)
                {
                    if (matchers[i].Op == MatchOp.Regex && !matchers[i].MatchesEmpty)
                    {
                        foreach (var value in reader.LabelValues(name, matchers[i].Name))
                        {
                            if (matchers[i].Matches(value))
                            {
                                AddMatching(reader.SeriesWith(name, matchers[i].Name, value), matchers, i);
                            }
                        }

                        return;
                    }
                }

                source = reader.SeriesOf(name);
            }

            AddMatching(source, matchers, used);
        }

        private void AddMatching(IReadOnlyList<StoredSeries> source, CompiledMatcher[] matchers, int skip)
        {
            var filters = matchers.Length - (skip >= 0 ? 1 : 0);
            for (var s = 0; s < source.Count; s++)
            {
                if (filters > 0 && s % WarmBlock == 0 && source.Count >= WarmBlock)
                {
                    // The matchers read each series' labels: touch a block of them first so their cache misses overlap.
                    var sum = 0L;
                    for (var w = s; w < Math.Min(s + WarmBlock, source.Count); w++)
                    {
                        var touched = source[w].LabelArray;
                        sum += touched.Length > 0 ? touched[^1].Value.Length : 0;
                    }

                    _warmth += sum;
                }

                var series = source[s];
                var labels = series.LabelArray;
                var all = true;
                for (var i = 0; i < matchers.Length && all; i++)
                {
                    all = i == skip || matchers[i].Matches(EvalLabels.Get(labels, matchers[i].Name) ?? "");
                }

                if (all)
                {
                    _candidates.Add(series);
                }
            }
        }

        private Vec SelectRange(MatrixSelector matrix, RangeFunction function)
        {
            var vector = Rent();
            store.Read((this, matrix, function, vector), static (reader, s) =>
            {
                s.Item1.FillRange(reader, s.matrix, s.function, s.vector);
                return 0;
            });
            return vector;
        }

        private void FillRange(MetricStoreReader reader, MatrixSelector matrix, RangeFunction function, Vec vector)
        {
            vector.Distinct = Candidates(reader, matrix.Selector) <= 1;
            var from = T - matrix.RangeMs;
            var any = false;
            var expected = (int)Math.Clamp((matrix.RangeMs / Math.Max(1, _scrapeIntervalMs)) + 2, 2, 64);
            for (var c = 0; c < _candidates.Count; c++)
            {
                if (c % WarmBlock == 0)
                {
                    WarmUp(c, Math.Min(c + WarmBlock, _candidates.Count), expected);
                }

                var series = _candidates[c];
                var ring = series.Ring;
                var timestamps = Room(ref _timestamps, ring.Count);
                var values = Room(ref _values, ring.Count);
                var n = ring.CopyRange(from, T, timestamps, values);
                if (ring.HasStaleMarkers)
                {
                    var kept = 0;
                    for (var i = 0; i < n; i++)
                    {
                        if (!MetricStore.IsStale(values[i]))
                        {
                            (timestamps[kept], values[kept]) = (timestamps[i], values[i]);
                            kept++;
                        }
                    }

                    n = kept;
                }

                if (n == 0)
                {
                    continue;
                }

                any = true;
                if (function == RangeFunction.Absent)
                {
                    break;
                }

                if (Apply(function, timestamps.AsSpan(0, n), values.AsSpan(0, n), from, out var result))
                {
                    vector.Add(function == RangeFunction.Last ? series.MetricName : null, series.LabelArray, result);
                }
            }

            _candidates.Clear();
            if (function == RangeFunction.Absent && !any)
            {
                vector.Add(null, AbsentLabels(matrix.Selector), 1);
            }
        }

        private bool Apply(RangeFunction function, ReadOnlySpan<long> t, ReadOnlySpan<double> v, long from, out double result)
        {
            result = double.NaN;
            switch (function)
            {
                case RangeFunction.Rate or RangeFunction.Increase:
                    if (v.Length < 2)
                    {
                        return false;
                    }

                    result = PromMath.ExtrapolatedRateOfWindow(t, v, from, T, isCounter: true, perSecond: function == RangeFunction.Rate);
                    return true;
                case RangeFunction.Irate:
                    if (v.Length < 2 || t[^1] == t[^2])
                    {
                        return false;
                    }

                    // A drop is a counter reset: the newest value is then the increase since the reset.
                    result = (v[^1] < v[^2] ? v[^1] : v[^1] - v[^2]) / ((t[^1] - t[^2]) / 1000.0);
                    return true;
                case RangeFunction.Avg:
                    result = AverageOverTime(v);
                    return true;
                case RangeFunction.Min or RangeFunction.Max:
                    result = v[0];
                    foreach (var x in v)
                    {
                        if ((function == RangeFunction.Min ? x < result : x > result) || double.IsNaN(result))
                        {
                            result = x;
                        }
                    }

                    return true;
                case RangeFunction.Sum:
                    double sum = 0, compensation = 0;
                    foreach (var x in v)
                    {
                        (sum, compensation) = KahanSumInc(x, sum, compensation);
                    }

                    result = double.IsInfinity(sum) ? sum : sum + compensation;
                    return true;
                case RangeFunction.Count:
                    result = v.Length;
                    return true;
                default:
                    result = v[^1];
                    return true;
            }
        }

        /// <summary>Prometheus 2.42's avg_over_time: an incremental mean with Kahan compensation and its infinity rules.</summary>
        private static double AverageOverTime(ReadOnlySpan<double> values)
        {
            double mean = 0, count = 0, compensation = 0;
            foreach (var v in values)
            {
                count++;
                if (double.IsInfinity(mean))
                {
                    if (double.IsInfinity(v) && (mean > 0) == (v > 0))
                    {
                        continue;
                    }

                    if (!double.IsInfinity(v) && !double.IsNaN(v))
                    {
                        continue;
                    }
                }

                (mean, compensation) = KahanSumInc((v / count) - (mean / count), mean, compensation);
            }

            return double.IsInfinity(mean) ? mean : mean + compensation;
        }

        private static (double Sum, double Compensation) KahanSumInc(double increment, double sum, double compensation)
        {
            var t = sum + increment;
            compensation += Math.Abs(sum) >= Math.Abs(increment) ? (sum - t) + increment : (increment - t) + sum;
            return (t, compensation);
        }

        // ---- functions ----

        private Value Call(CallExpr call)
        {
            var args = call.Args;
            switch (call.Function.Name)
            {
                case "rate": return Range(call, RangeFunction.Rate);
                case "increase": return Range(call, RangeFunction.Increase);
                case "irate": return Range(call, RangeFunction.Irate);
                case "avg_over_time": return Range(call, RangeFunction.Avg);
                case "min_over_time": return Range(call, RangeFunction.Min);
                case "max_over_time": return Range(call, RangeFunction.Max);
                case "sum_over_time": return Range(call, RangeFunction.Sum);
                case "count_over_time": return Range(call, RangeFunction.Count);
                case "last_over_time": return Range(call, RangeFunction.Last);
                case "absent_over_time": return Range(call, RangeFunction.Absent);
                case "time": return new Value(null, T / 1000.0);
                case "vector":
                    var single = Rent();
                    single.Add(null, EvalLabels.Empty, Eval(args[0]).Scalar);
                    return new Value(single, 0);
                case "scalar":
                    var input = Eval(args[0]).Vector!;
                    var scalar = input.Count == 1 ? input.Items[0].Value : double.NaN;
                    Return(input);
                    return new Value(null, scalar);
                case "absent":
                    var inner = Eval(args[0]).Vector!;
                    var present = inner.Count > 0;
                    inner.Count = 0;
                    inner.Distinct = true;
                    if (!present)
                    {
                        inner.Add(null, AbsentLabels(args[0] as VectorSelector), 1);
                    }

                    return new Value(inner, 0);
                case "histogram_quantile":
                    var q = Eval(args[0]).Scalar;
                    return new Value(HistogramQuantile(q, Eval(args[1]).Vector!, call.Position), 0);
                default:
                    return new Value(MapValues(call), 0);
            }
        }

        private Value Range(CallExpr call, RangeFunction function)
        {
            var matrix = (MatrixSelector)call.Args[0];
            var vector = SelectRange(matrix, function);
            if (function != RangeFunction.Last)
            {
                EnsureDistinct(vector, call.Position);
            }

            return new Value(vector, 0);
        }

        /// <summary>abs, ceil, floor, round, clamp_min, clamp_max: value by value, the metric name dropped.</summary>
        private Vec MapValues(CallExpr call)
        {
            var vector = Eval(call.Args[0]).Vector!;
            var parameter = call.Args.Count > 1 ? Eval(call.Args[1]).Scalar : 1.0;
            var inverse = 1.0 / parameter; // round's to_nearest, inverted as Prometheus does for fewer rounding errors
            for (var i = 0; i < vector.Count; i++)
            {
                ref var s = ref vector.Items[i];
                s.Name = null;
                s.Value = call.Function.Name switch
                {
                    "abs" => Math.Abs(s.Value),
                    "ceil" => Math.Ceiling(s.Value),
                    "floor" => Math.Floor(s.Value),
                    "round" => Math.Floor((s.Value * inverse) + 0.5) / inverse,
                    "clamp_min" => Math.Max(parameter, s.Value),
                    _ => Math.Min(parameter, s.Value),
                };
            }

            EnsureDistinct(vector, call.Position);
            return vector;
        }

        /// <summary>absent()'s labels: those of the equality matchers, unless a label also has another matcher.</summary>
        private static KeyValuePair<string, string>[] AbsentLabels(VectorSelector? selector)
        {
            if (selector is null)
            {
                return EvalLabels.Empty;
            }

            var labels = new List<KeyValuePair<string, string>>();
            var drop = new List<string>();
            foreach (var matcher in selector.Matchers)
            {
                if (matcher.Op == MatchOp.Equal && !labels.Exists(l => l.Key == matcher.Name))
                {
                    if (matcher.Value.Length > 0)
                    {
                        labels.Add(new(matcher.Name, matcher.Value));
                    }
                }
                else
                {
                    drop.Add(matcher.Name);
                }
            }

            labels.RemoveAll(l => drop.Contains(l.Key));
            labels.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            return labels.Count == 0 ? EvalLabels.Empty : [.. labels];
        }

        private Vec HistogramQuantile(double q, Vec input, int position)
        {
            // Buckets group by every label but le (the metric name included, as in Prometheus 2.42).
            var selection = new LabelSelection(false, LeOnly, includeName: true);
            var index = RentIndex();
            var groupOf = Room(ref _ints, input.Count);
            var firsts = _firsts;
            firsts.Clear();
            for (var i = 0; i < input.Count; i++)
            {
                ref var s = ref input.Items[i];
                groupOf[i] = -1;
                if (!TryParseBound(EvalLabels.Get(s.Labels, "le"), out _))
                {
                    continue; // no bucket label or a malformed one: skipped, as Prometheus does
                }

                var hash = EvalLabels.Hash(s, selection);
                var g = index.First(hash);
                while (g >= 0 && !EvalLabels.Same(input.Items[firsts[g]], s, selection))
                {
                    g = index.Next(g);
                }

                if (g < 0)
                {
                    g = firsts.Count;
                    firsts.Add(i);
                    index.Add(hash, g);
                }

                groupOf[i] = g;
            }

            ReturnIndex(index);

            // Counting sort of the buckets by group, so each group's buckets are one contiguous span.
            var starts = Room(ref _starts, (2 * firsts.Count) + 2);
            Array.Clear(starts, 0, firsts.Count + 1);
            for (var i = 0; i < input.Count; i++)
            {
                if (groupOf[i] >= 0)
                {
                    starts[groupOf[i] + 1]++;
                }
            }

            for (var g = 0; g < firsts.Count; g++)
            {
                starts[g + 1] += starts[g];
            }

            var buckets = Room(ref _buckets, input.Count);
            var fill = starts.AsSpan(firsts.Count + 1, firsts.Count + 1);
            starts.AsSpan(0, firsts.Count + 1).CopyTo(fill);
            for (var i = 0; i < input.Count; i++)
            {
                if (groupOf[i] >= 0)
                {
                    TryParseBound(EvalLabels.Get(input.Items[i].Labels, "le"), out var bound);
                    buckets[fill[groupOf[i]]++] = new HistogramBucket(bound, input.Items[i].Value);
                }
            }

            var output = Rent();
            for (var g = 0; g < firsts.Count; g++)
            {
                var first = input.Items[firsts[g]];
                output.Add(null, EvalLabels.Without(first.Labels, LeOnly), PromMath.HistogramQuantileInPlace(q, buckets.AsSpan(starts[g], starts[g + 1] - starts[g])));
            }

            Return(input);
            output.Distinct = false;
            EnsureDistinct(output, position);
            return output;
        }

        /// <summary>A bucket bound as Go's ParseFloat reads it (so "+Inf" and "1e3" work).</summary>
        private static bool TryParseBound(string? text, out double bound)
        {
            bound = 0;
            if (text is null)
            {
                return false;
            }

            var trimmed = text.AsSpan().TrimStart('+');
            if (trimmed.Equals("inf", StringComparison.OrdinalIgnoreCase) || trimmed.Equals("infinity", StringComparison.OrdinalIgnoreCase))
            {
                bound = text[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
                return true;
            }

            if (text.StartsWith('-') && (text.AsSpan(1).Equals("inf", StringComparison.OrdinalIgnoreCase) || text.AsSpan(1).Equals("infinity", StringComparison.OrdinalIgnoreCase)))
            {
                bound = double.NegativeInfinity;
                return true;
            }

            if (trimmed.Equals("nan", StringComparison.OrdinalIgnoreCase))
            {
                bound = double.NaN;
                return true;
            }

            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out bound);
        }

        // ---- aggregation ----

        private Vec Aggregate(AggregateExpr aggregate)
        {
            var input = Eval(aggregate.Inner).Vector!;
            var selection = new LabelSelection(!aggregate.Without, aggregate.SortedGrouping, includeName: false);
            var index = RentIndex();
            var count = 0;
            var width = aggregate.SortedGrouping.Length;
            var key = Room(ref _key, width);
            for (var i = 0; i < input.Count; i++)
            {
                if (i % WarmBlock == 0)
                {
                    WarmLabels(input, i);
                }

                ref var s = ref input.Items[i];
                int g;
                ulong hash;
                if (aggregate.Without)
                {
                    hash = EvalLabels.Hash(s, selection);
                    g = index.First(hash);
                    while (g >= 0 && !EvalLabels.Same(input.Items[_groups[g].First], s, selection))
                    {
                        g = index.Next(g);
                    }
                }
                else
                {
                    // by (...): look the grouping values up once and compare them with each group's (the store shares equal strings).
                    for (var n = 0; n < width; n++)
                    {
                        key[n] = EvalLabels.Get(s, aggregate.SortedGrouping[n]);
                    }

                    hash = EvalLabels.HashValues(key.AsSpan(0, width));
                    g = index.First(hash);
                    while (g >= 0 && !SameKey(_groupKeys.AsSpan(g * width, width), key.AsSpan(0, width)))
                    {
                        g = index.Next(g);
                    }
                }

                if (g < 0)
                {
                    if (count == _groups.Length)
                    {
                        Array.Resize(ref _groups, count * 2); // the groups so far must survive the growth
                    }

                    if ((count + 1) * width > _groupKeys.Length)
                    {
                        Array.Resize(ref _groupKeys, Math.Max((count + 1) * width, _groupKeys.Length * 2));
                    }

                    key.AsSpan(0, width).CopyTo(_groupKeys.AsSpan(count * width));
                    _groups[count] = new Group { First = i, Value = s.Value, Mean = s.Value, Count = 1 };
                    index.Add(hash, count++);
                    continue;
                }

                ref var group = ref _groups[g];
                group.Count++;
                switch (aggregate.Op)
                {
                    case AggregateOp.Sum:
                        group.Value += s.Value;
                        break;
                    case AggregateOp.Max:
                        if (group.Value < s.Value || double.IsNaN(group.Value))
                        {
                            group.Value = s.Value;
                        }

                        break;
                    case AggregateOp.Min:
                        if (group.Value > s.Value || double.IsNaN(group.Value))
                        {
                            group.Value = s.Value;
                        }

                        break;
                    case AggregateOp.Avg:
                        // Prometheus 2.42: an incremental mean (each side divided first, against overflow), infinities kept.
                        if (double.IsInfinity(group.Mean) && ((double.IsInfinity(s.Value) && (group.Mean > 0) == (s.Value > 0)) || (!double.IsInfinity(s.Value) && !double.IsNaN(s.Value))))
                        {
                            break;
                        }

                        group.Mean += (s.Value / group.Count) - (group.Mean / group.Count);
                        break;
                }
            }

            ReturnIndex(index);
            var output = Rent();
            var keepsName = !aggregate.Without && EvalLabels.Contains(aggregate.SortedGrouping, EvalLabels.MetricNameLabel);
            for (var g = 0; g < count; g++)
            {
                ref var group = ref _groups[g];
                ref var first = ref input.Items[group.First];
                var labels = aggregate.Without
                    ? EvalLabels.Without(first.Labels, aggregate.SortedGrouping)
                    : aggregate.SortedGrouping.Length == 0 ? EvalLabels.Empty : EvalLabels.KeepOnly(first.Labels, aggregate.SortedGrouping);
                var value = aggregate.Op switch
                {
                    AggregateOp.Count => group.Count,
                    AggregateOp.Avg => group.Mean,
                    _ => group.Value,
                };
                output.Add(keepsName ? first.Name : null, labels, value);
            }

            output.Distinct = !keepsName;
            Return(input);
            return output;
        }

        /// <summary>Touches the label arrays of the next block of samples: first reads of many series' labels overlap their cache misses.</summary>
        private void WarmLabels(Vec vector, int from)
        {
            if (vector.Count < WarmBlock)
            {
                return;
            }

            var sum = 0L;
            for (var i = from; i < Math.Min(from + WarmBlock, vector.Count); i++)
            {
                var labels = vector.Items[i].Labels;
                sum += labels.Length > 0 ? labels[^1].Value.Length : 0;
            }

            _warmth += sum;
        }

        private static bool SameKey(ReadOnlySpan<string?> a, ReadOnlySpan<string?> b)
        {
            for (var n = 0; n < a.Length; n++)
            {
                if (!ReferenceEquals(a[n], b[n]) && !string.Equals(a[n], b[n], StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        // ---- operators ----

        private Value Unary(UnaryExpr unary)
        {
            var operand = Eval(unary.Operand);
            if (!unary.Negate)
            {
                return operand;
            }

            if (operand.Vector is not { } vector)
            {
                return new Value(null, -operand.Scalar);
            }

            for (var i = 0; i < vector.Count; i++)
            {
                ref var s = ref vector.Items[i];
                s.Value = -s.Value;
                s.Name = null;
            }

            EnsureDistinct(vector, unary.Position);
            return new Value(vector, 0);
        }

        private Value Binary(BinaryExpr binary)
        {
            var left = Eval(binary.Left);
            var right = Eval(binary.Right);
            if (left.Vector is null && right.Vector is null)
            {
                var (value, keep) = Operate(binary.Op, left.Scalar, right.Scalar);
                return new Value(null, binary.IsComparison ? (keep ? 1 : 0) : value);
            }

            if (left.Vector is null)
            {
                return new Value(VectorScalar(binary, right.Vector!, left.Scalar, scalarOnLeft: true), 0);
            }

            if (right.Vector is null)
            {
                return new Value(VectorScalar(binary, left.Vector, right.Scalar, scalarOnLeft: false), 0);
            }

            var result = binary.IsSetOperation
                ? SetOperation(binary, left.Vector, right.Vector)
                : VectorVector(binary, left.Vector, right.Vector);
            return new Value(result, 0);
        }

        private static (double Value, bool Keep) Operate(BinaryOp op, double left, double right) => op switch
        {
            BinaryOp.Add => (left + right, true),
            BinaryOp.Sub => (left - right, true),
            BinaryOp.Mul => (left * right, true),
            BinaryOp.Div => (left / right, true),
            BinaryOp.Mod => (left % right, true), // IEEE fmod, as Go's math.Mod
            BinaryOp.Pow => (Math.Pow(left, right), true),
            BinaryOp.Eql => (left, left == right),
            BinaryOp.Neq => (left, left != right),
            BinaryOp.Gtr => (left, left > right),
            BinaryOp.Lss => (left, left < right),
            BinaryOp.Gte => (left, left >= right),
            _ => (left, left <= right),
        };

        private Vec VectorScalar(BinaryExpr binary, Vec vector, double scalar, bool scalarOnLeft)
        {
            var dropName = binary.DropsMetricName || binary.ReturnBool;
            var kept = 0;
            for (var i = 0; i < vector.Count; i++)
            {
                var s = vector.Items[i];
                var (left, right) = scalarOnLeft ? (scalar, s.Value) : (s.Value, scalar);
                var (value, keep) = Operate(binary.Op, left, right);
                if (binary.IsComparison && scalarOnLeft)
                {
                    value = s.Value; // a comparison keeps the vector's value, whichever side it is on
                }

                if (binary.ReturnBool)
                {
                    (value, keep) = (keep ? 1 : 0, true);
                }

                if (keep)
                {
                    vector.Items[kept++] = new EvalSample(dropName ? null : s.Name, s.Labels, value);
                }
            }

            vector.Count = kept;
            if (dropName)
            {
                EnsureDistinct(vector, binary.Position);
            }

            return vector;
        }

        private Vec VectorVector(BinaryExpr binary, Vec left, Vec right)
        {
            if (left.Count == 0 || right.Count == 0)
            {
                // Prometheus 2.42 short-circuits here: nothing can match, so a side's duplicates are no error either.
                Return(right);
                left.Count = 0;
                left.Distinct = true;
                return left;
            }

            var matching = binary.Matching!;
            var selection = new LabelSelection(matching.On, matching.SortedMatchingLabels, includeName: false);
            var oneToMany = matching.Cardinality == MatchCardinality.OneToMany;
            var (many, one) = oneToMany ? (right, left) : (left, right);

            // The "one" side must have one series per match group.
            var index = RentIndex();
            for (var j = 0; j < one.Count; j++)
            {
                var hash = EvalLabels.Hash(one.Items[j], selection);
                for (var k = index.First(hash); k >= 0; k = index.Next(k))
                {
                    if (EvalLabels.Same(one.Items[k], one.Items[j], selection))
                    {
                        throw new PromQlEvaluationException(
                            $"found duplicate series for the match group {EvalLabels.Format(one.Items[j], selection)} on the {(oneToMany ? "left" : "right")} hand-side of the operation: " +
                            $"[{EvalLabels.Format(one.Items[j], LabelSelection.All)}, {EvalLabels.Format(one.Items[k], LabelSelection.All)}];" +
                            "many-to-many matching not allowed: matching labels must be unique on one side",
                            binary.Position);
                    }
                }

                index.Add(hash, j);
            }

            var matched = Room(ref _flags, one.Count);
            Array.Clear(matched, 0, one.Count);
            var output = Rent();
            var outputIndex = matching.Cardinality == MatchCardinality.OneToOne ? null : RentIndex();
            var groupOfOutput = Room(ref _ints, many.Count);
            for (var i = 0; i < many.Count; i++)
            {
                ref var ms = ref many.Items[i];
                var hash = EvalLabels.Hash(ms, selection);
                var j = index.First(hash);
                while (j >= 0 && !EvalLabels.Same(one.Items[j], ms, selection))
                {
                    j = index.Next(j);
                }

                if (j < 0)
                {
                    continue;
                }

                ref var os = ref one.Items[j];
                var (value, keep) = Operate(binary.Op, oneToMany ? os.Value : ms.Value, oneToMany ? ms.Value : os.Value);
                if (binary.ReturnBool)
                {
                    value = keep ? 1 : 0;
                }
                else if (!keep)
                {
                    continue;
                }

                var (name, labels) = ResultLabels(binary, matching, ms, os);
                if (outputIndex is null)
                {
                    if (matched[j])
                    {
                        throw new PromQlEvaluationException("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)", binary.Position);
                    }

                    matched[j] = true;
                }
                else
                {
                    // Many-to-one: the result labels must still tell the "many" series of one group apart.
                    var candidate = new EvalSample(name, labels, value);
                    var resultHash = EvalLabels.Hash(candidate, LabelSelection.All) ^ (ulong)j;
                    for (var k = outputIndex.First(resultHash); k >= 0; k = outputIndex.Next(k))
                    {
                        if (groupOfOutput[k] == j && EvalLabels.Same(output.Items[k], candidate, LabelSelection.All))
                        {
                            throw new PromQlEvaluationException("multiple matches for matching labels in many-to-one matching", binary.Position);
                        }
                    }

                    groupOfOutput[output.Count] = j;
                    outputIndex.Add(resultHash, output.Count);
                }

                output.Add(name, labels, value);
            }

            ReturnIndex(index);
            if (outputIndex is not null)
            {
                ReturnIndex(outputIndex);
            }

            // Distinct without the name: arithmetic and bool drop it, one-to-one results differ in their match labels.
            output.Distinct = binary.DropsMetricName || binary.ReturnBool
                || (matching.Cardinality == MatchCardinality.OneToOne && !(matching.On && EvalLabels.Contains(matching.SortedMatchingLabels, EvalLabels.MetricNameLabel)));
            Return(left);
            Return(right);
            return output;
        }

        private static (string? Name, KeyValuePair<string, string>[] Labels) ResultLabels(BinaryExpr binary, VectorMatching matching, in EvalSample many, in EvalSample one)
        {
            var name = binary.DropsMetricName || binary.ReturnBool ? null : many.Name;
            var labels = many.Labels;
            var names = matching.SortedMatchingLabels;
            if (matching.Cardinality == MatchCardinality.OneToOne)
            {
                var listsName = EvalLabels.Contains(names, EvalLabels.MetricNameLabel);
                if (matching.On)
                {
                    name = listsName ? name : null;
                    labels = EvalLabels.KeepOnly(labels, names);
                }
                else
                {
                    name = listsName ? null : name;
                    labels = names.Length == 0 ? labels : EvalLabels.Without(labels, names);
                }
            }

            foreach (var include in matching.Include)
            {
                if (include == EvalLabels.MetricNameLabel)
                {
                    name = string.IsNullOrEmpty(one.Name) ? null : one.Name;
                }
                else
                {
                    labels = EvalLabels.With(labels, include, EvalLabels.Get(one.Labels, include));
                }
            }

            return (name, labels);
        }

        private Vec SetOperation(BinaryExpr binary, Vec left, Vec right)
        {
            var matching = binary.Matching!;
            var selection = new LabelSelection(matching.On, matching.SortedMatchingLabels, includeName: false);
            var index = RentIndex();
            var indexed = binary.Op == BinaryOp.Or ? left : right;
            for (var i = 0; i < indexed.Count; i++)
            {
                index.Add(EvalLabels.Hash(indexed.Items[i], selection), i);
            }

            Vec output;
            if (binary.Op == BinaryOp.Or)
            {
                // All of the left side, then the right side's series whose match group the left side lacks.
                output = left;
                var leftCount = left.Count;
                for (var i = 0; i < right.Count; i++)
                {
                    if (!Contains(index, left, right.Items[i], selection, leftCount))
                    {
                        output.Add(right.Items[i].Name, right.Items[i].Labels, right.Items[i].Value);
                    }
                }

                output.Distinct = left.Distinct && right.Distinct;
                Return(right);
            }
            else
            {
                var keepMatched = binary.Op == BinaryOp.And;
                var kept = 0;
                for (var i = 0; i < left.Count; i++)
                {
                    if (Contains(index, right, left.Items[i], selection, right.Count) == keepMatched)
                    {
                        left.Items[kept++] = left.Items[i];
                    }
                }

                left.Count = kept;
                output = left;
                Return(right);
            }

            ReturnIndex(index);
            return output;
        }

        private static bool Contains(SigIndex index, Vec indexed, in EvalSample sample, in LabelSelection selection, int limit)
        {
            for (var k = index.First(EvalLabels.Hash(sample, selection)); k >= 0; k = index.Next(k))
            {
                if (k < limit && EvalLabels.Same(indexed.Items[k], sample, selection))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Prometheus refuses a vector whose labelsets repeat (e.g. rate over two metric names that differ only in the name).</summary>
        private void EnsureDistinct(Vec vector, int position)
        {
            if (vector.Distinct || vector.Count < 2)
            {
                vector.Distinct = true;
                return;
            }

            var index = RentIndex();
            for (var i = 0; i < vector.Count; i++)
            {
                var hash = EvalLabels.Hash(vector.Items[i], LabelSelection.All);
                for (var k = index.First(hash); k >= 0; k = index.Next(k))
                {
                    if (EvalLabels.Same(vector.Items[k], vector.Items[i], LabelSelection.All))
                    {
                        throw new PromQlEvaluationException("vector cannot contain metrics with the same labelset", position);
                    }
                }

                index.Add(hash, i);
            }

            ReturnIndex(index);
            vector.Distinct = true;
        }
    }
}
