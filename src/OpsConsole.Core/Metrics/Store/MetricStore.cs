using OpsConsole.Core.Metrics.Exposition;

namespace OpsConsole.Core.Metrics.Store;

public sealed class MetricStoreOptions
{
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(6);

    public TimeSpan ScrapeInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Across all targets.</summary>
    public int MaxSeries { get; set; } = 500_000;

    /// <summary>A target exposing more (a label explosion) keeps its first series; the rest are dropped and counted.</summary>
    public int MaxSeriesPerTarget { get; set; } = 50_000;

    /// <summary>
    /// Ring buffers plus per-series overhead. Near it, rings stop growing (their series keep less history than the
    /// retention: the oldest samples go first, counted) and new series are refused (counted).
    /// </summary>
    public long MaxBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Samples kept per series: retention / interval, plus one.</summary>
    public int SamplesPerSeries => (int)Math.Clamp(Retention / ScrapeInterval, 2, 1_000_000) + 1;
}

/// <summary>One stored series: its identity and its ring of recent samples.</summary>
public sealed class StoredSeries
{
    internal StoredSeries(int id, string target, string metricName, KeyValuePair<string, string>[] labels, MetricType type, SeriesRing ring, long overheadBytes)
    {
        Id = id;
        Target = target;
        MetricName = metricName;
        Labels = labels;
        LabelArray = labels;
        Type = type;
        Ring = ring;
        OverheadBytes = overheadBytes;
    }

    public int Id { get; }

    public string Target { get; }

    public string MetricName { get; }

    /// <summary>Sorted by name; includes job and instance.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; }

    /// <summary>The same labels as an array (never modified), for the evaluator's allocation-free label handling.</summary>
    internal KeyValuePair<string, string>[] LabelArray { get; }

    public MetricType Type { get; }

    internal SeriesRing Ring { get; }

    internal long OverheadBytes { get; }

    internal long LastScrape { get; set; }

    public string? Label(string name)
    {
        foreach (var (key, value) in Labels)
        {
            if (key == name)
            {
                return value;
            }
        }

        return null;
    }
}

/// <summary>What one scrape did to the store.</summary>
public readonly record struct IngestResult(int Samples, int NewSeries, int DroppedSeries, int Duplicates, int OutOfOrder, int StaleMarked);

/// <summary>A series' samples in a time range, copied out of the store.</summary>
public sealed record SeriesData(StoredSeries Series, long[] Timestamps, double[] Values);

/// <summary>
/// The in-memory sample store: a ring buffer per series, hard caps on series and bytes, stale markers when a series
/// or target disappears. Lookups by the scraped series key bytes allocate nothing for known series.
/// </summary>
public sealed class MetricStore
{
    /// <summary>Prometheus's stale-marker NaN: "this series ended here", distinct from a NaN value.</summary>
    public static readonly double StaleMarker = BitConverter.Int64BitsToDouble(0x7ff0000000000002);

    /// <summary>Distinct label names and values shared between series; beyond it (ids as label values) strings are kept per series.</summary>
    private const int MaxInterned = 200_000;

    private readonly Lock _gate = new();
    private readonly MetricStoreOptions _options;
    private readonly Dictionary<string, TargetState> _targets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MetricNameIndex> _byName = new(StringComparer.Ordinal); // queries select by name
    private readonly MetricStoreReader _reader;
    private readonly Dictionary<string, string> _interned = new(StringComparer.Ordinal);
    private long _bytes;
    private long _samplesDroppedForMemory;
    private int _nextId;
    private int _activeSeries;
    private long _droppedSeriesTotal;
    private long _samplesTotal;

    public MetricStore(MetricStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _reader = new MetricStoreReader(_gate, _byName);
    }

    public MetricStoreOptions Options => _options;

    public static bool IsStale(double value) => BitConverter.DoubleToInt64Bits(value) == 0x7ff0000000000002;

    public int SeriesCount
    {
        get
        {
            lock (_gate)
            {
                return _activeSeries;
            }
        }
    }

    public long BytesUsed => Interlocked.Read(ref _bytes);

    public long DroppedSeriesTotal => Interlocked.Read(ref _droppedSeriesTotal);

    public long SamplesTotal => Interlocked.Read(ref _samplesTotal);

    /// <summary>Samples younger than the retention overwritten because the byte cap stopped their ring from growing.</summary>
    public long SamplesDroppedForMemory => Interlocked.Read(ref _samplesDroppedForMemory);

    /// <summary>Parses a scrape into the store; exposition errors propagate (nothing half-applied is marked stale).</summary>
    public IngestResult Ingest(string target, IReadOnlyDictionary<string, string> targetLabels, ReadOnlySpan<byte> text, ExpositionFormat format, long scrapeTimestampMs)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(targetLabels);
        lock (_gate)
        {
            var state = StateOf(target, targetLabels);
            state.ScrapeId++;
            var writer = new ScrapeWriter(this, state, scrapeTimestampMs);
            ExpositionParser.Parse(text, format, writer);
            // The console's own series are never in the body: marked stale here, the up written next at the same
            // timestamp was refused, and up vanished after every other scrape (TargetDown could never fire).
            var stale = MarkUnseenStale(state, scrapeTimestampMs, except: IsSynthetic);
            Interlocked.Add(ref _samplesTotal, writer.Samples);
            return new IngestResult(writer.Samples, writer.NewSeries, writer.Dropped, writer.Duplicates, writer.OutOfOrder, stale);
        }
    }

    /// <summary>Writes a series the console computes itself (up, scrape_duration_seconds, …).</summary>
    public void WriteSynthetic(string target, IReadOnlyDictionary<string, string> targetLabels, string metricName, double value, long timestampMs)
    {
        lock (_gate)
        {
            var state = StateOf(target, targetLabels);
            var key = System.Text.Encoding.UTF8.GetBytes(metricName);
            if (!state.Series.TryGetValue(key, out var series))
            {
                series = Create(state, metricName, [], MetricType.Gauge, key);
                if (series is null)
                {
                    return;
                }
            }

            Append(series, timestampMs, value);
        }
    }

    /// <summary>A target that failed its scrape: every series it had ends now (as Prometheus does).</summary>
    public int MarkTargetStale(string target, long timestampMs)
    {
        lock (_gate)
        {
            if (!_targets.TryGetValue(target, out var state))
            {
                return 0;
            }

            state.ScrapeId++;
            return MarkUnseenStale(state, timestampMs, except: IsSynthetic);
        }
    }

    /// <summary>Series of a metric whose labels satisfy the filter, with their samples in [from, to].</summary>
    public IReadOnlyList<SeriesData> Select(string metricName, Func<StoredSeries, bool>? filter, long fromMs, long toMs)
    {
        var result = new List<SeriesData>();
        var timestamps = new List<long>();
        var values = new List<double>();
        lock (_gate)
        {
            if (!_byName.TryGetValue(metricName, out var named))
            {
                return result;
            }

            foreach (var series in named.Series)
            {
                if (filter is not null && !filter(series))
                {
                    continue;
                }

                timestamps.Clear();
                values.Clear();
                series.Ring.CopyRange(fromMs, toMs, timestamps, values);
                result.Add(new SeriesData(series, [.. timestamps], [.. values]));
            }
        }

        return result;
    }

    /// <summary>
    /// Runs the callback under the store's lock with a reader over the live series and rings (nothing copied): the rule
    /// evaluator's access path. Keep callbacks short; scrapes wait for them. Pass state instead of capturing, so the
    /// callback can be static and nothing is allocated per call.
    /// </summary>
    public TResult Read<TState, TResult>(TState state, Func<MetricStoreReader, TState, TResult> read)
        where TState : allows ref struct
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_gate)
        {
            return read(_reader, state);
        }
    }

    public IReadOnlyList<string> MetricNames()
    {
        lock (_gate)
        {
            return [.. _byName.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>The names of the targets the store holds series for.</summary>
    public IReadOnlyList<string> TargetNames()
    {
        lock (_gate)
        {
            return [.. _targets.Keys.Order(StringComparer.Ordinal)];
        }
    }

    public int SeriesCountOf(string target)
    {
        lock (_gate)
        {
            return _targets.TryGetValue(target, out var state) ? state.Series.Count : 0;
        }
    }

    /// <summary>Drops samples past retention and series with nothing left (run periodically).</summary>
    public int Compact(long nowMs)
    {
        var cutoff = nowMs - (long)_options.Retention.TotalMilliseconds;
        var removed = 0;
        lock (_gate)
        {
            foreach (var state in _targets.Values)
            {
                List<byte[]>? empty = null;
                foreach (var (key, series) in state.Series)
                {
                    series.Ring.TrimBefore(cutoff);
                    if (series.Ring.Count == 0)
                    {
                        (empty ??= []).Add(key);
                    }
                }

                foreach (var key in empty ?? [])
                {
                    if (!state.Series.Remove(key, out var series))
                    {
                        continue;
                    }

                    Unindex(series);
                    _activeSeries--;
                    Interlocked.Add(ref _bytes, -(series.Ring.BytesUsed + series.OverheadBytes));
                    removed++;
                }
            }
        }

        return removed;
    }

    /// <summary>Appends, growing the ring first when it is full and the byte cap leaves room (caller holds the lock).</summary>
    private bool Append(StoredSeries series, long timestampMs, double value)
    {
        var ring = series.Ring;
        if (ring.WantsToGrow && timestampMs > ring.LastTimestamp)
        {
            var extra = (long)(ring.NextCapacity - ring.Capacity) * (sizeof(long) + sizeof(double));
            if (Interlocked.Read(ref _bytes) + extra <= _options.MaxBytes)
            {
                Interlocked.Add(ref _bytes, ring.Grow());
            }
            else
            {
                Interlocked.Increment(ref _samplesDroppedForMemory);
            }
        }

        return ring.Append(timestampMs, value);
    }

    private void Unindex(StoredSeries series)
    {
        var named = _byName[series.MetricName];
        named.Remove(series);
        if (named.Series.Count == 0)
        {
            _byName.Remove(series.MetricName);
        }
    }

    private TargetState StateOf(string target, IReadOnlyDictionary<string, string> targetLabels)
    {
        if (!_targets.TryGetValue(target, out var state))
        {
            state = new TargetState(target, targetLabels);
            _targets[target] = state;
        }

        return state;
    }

    /// <summary>The series the scraper writes about each scrape (<see cref="WriteSynthetic"/>), not read from the target.</summary>
    private static bool IsSynthetic(StoredSeries series) => series.MetricName is "up" or "scrape_duration_seconds" or "scrape_samples_scraped";

    private int MarkUnseenStale(TargetState state, long timestampMs, Func<StoredSeries, bool>? except = null)
    {
        var marked = 0;
        foreach (var series in state.Series.Values)
        {
            if (series.LastScrape != state.ScrapeId && !IsStale(series.Ring.LastValue) && series.Ring.Count > 0 && (except is null || !except(series)))
            {
                Append(series, Math.Max(timestampMs, series.Ring.LastTimestamp + 1), StaleMarker);
                marked++;
            }
        }

        return marked;
    }

    private StoredSeries? Create(TargetState state, string metricName, List<KeyValuePair<string, string>> labels, MetricType type, byte[] key)
    {
        if (state.Series.Count >= _options.MaxSeriesPerTarget || _activeSeries >= _options.MaxSeries)
        {
            Interlocked.Increment(ref _droppedSeriesTotal);
            return null;
        }

        var all = new List<KeyValuePair<string, string>>(labels.Count + state.Labels.Length);
        all.AddRange(labels);
        foreach (var targetLabel in state.Labels)
        {
            if (!all.Exists(l => l.Key == targetLabel.Key))
            {
                all.Add(targetLabel); // the target's labels do not override what the target itself exposes
            }
        }

        all.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var ring = new SeriesRing(_options.SamplesPerSeries);
        var overhead = 200L + key.Length + all.Sum(l => 48L + (2L * (l.Key.Length + l.Value.Length)));
        if (Interlocked.Read(ref _bytes) + ring.BytesUsed + overhead > _options.MaxBytes)
        {
            Interlocked.Increment(ref _droppedSeriesTotal);
            return null;
        }

        // Equal names and values share one string: less memory, and rule evaluation scanning many series stays in cache.
        for (var i = 0; i < all.Count; i++)
        {
            all[i] = new(Intern(all[i].Key), Intern(all[i].Value));
        }

        metricName = Intern(metricName);
        var series = new StoredSeries(_nextId++, state.Target, metricName, [.. all], type, ring, overhead);
        if (!_byName.TryGetValue(metricName, out var named))
        {
            _byName[metricName] = named = new MetricNameIndex();
        }

        named.Add(series);
        _activeSeries++;
        state.Series[key] = series;
        Interlocked.Add(ref _bytes, ring.BytesUsed + overhead);
        return series;
    }

    /// <summary>The shared copy of a name or value (caller holds the lock); past the cap, new strings stay unshared.</summary>
    private string Intern(string text)
    {
        if (_interned.TryGetValue(text, out var shared))
        {
            return shared;
        }

        if (_interned.Count < MaxInterned)
        {
            _interned[text] = text;
        }

        return text;
    }

    private sealed class TargetState(string target, IReadOnlyDictionary<string, string> labels)
    {
        public string Target { get; } = target;

        public KeyValuePair<string, string>[] Labels { get; } = [.. labels];

        public Dictionary<byte[], StoredSeries> Series { get; } = new(ByteKeyComparer.Instance);

        public Dictionary<byte[], MetricType> Types { get; } = new(ByteKeyComparer.Instance);

        public long ScrapeId { get; set; }
    }

    /// <summary>Routes parsed samples to their series; allocates only for series (and metric families) it has not seen.</summary>
    private sealed class ScrapeWriter(MetricStore store, TargetState state, long scrapeTimestampMs) : IExpositionSink
    {
        // Taken once per scrape, not per sample: the span-keyed views of the target's series and type tables.
        private readonly Dictionary<byte[], StoredSeries>.AlternateLookup<ReadOnlySpan<byte>> _series = state.Series.GetAlternateLookup<ReadOnlySpan<byte>>();
        private readonly Dictionary<byte[], MetricType>.AlternateLookup<ReadOnlySpan<byte>> _types = state.Types.GetAlternateLookup<ReadOnlySpan<byte>>();

        public int Samples { get; private set; }

        public int NewSeries { get; private set; }

        public int Dropped { get; private set; }

        public int Duplicates { get; private set; }

        public int OutOfOrder { get; private set; }

        public void OnType(ReadOnlySpan<byte> family, MetricType type)
        {
            if (!_types.TryGetValue(family, out var known) || known != type)
            {
                state.Types[family.ToArray()] = type;
            }
        }

        public void OnHelp(ReadOnlySpan<byte> family, ReadOnlySpan<byte> escapedHelp)
        {
        }

        public void OnSample(in ParsedSample sample)
        {
            if (!_series.TryGetValue(sample.SeriesKey, out var series))
            {
                series = CreateSeries(sample);
                if (series is null)
                {
                    Dropped++;
                    return;
                }

                NewSeries++;
            }

            if (series.LastScrape == state.ScrapeId)
            {
                Duplicates++; // the same series twice in one scrape: the first one counts
                return;
            }

            series.LastScrape = state.ScrapeId;
            if (store.Append(series, sample.TimestampMs ?? scrapeTimestampMs, sample.Value))
            {
                Samples++;
            }
            else
            {
                OutOfOrder++;
            }
        }

        private StoredSeries? CreateSeries(in ParsedSample sample)
        {
            var labels = new List<KeyValuePair<string, string>>();
            var reader = new LabelReader(sample.Labels);
            while (reader.MoveNext())
            {
                var name = System.Text.Encoding.ASCII.GetString(reader.Name);
                if (labels.Exists(l => l.Key == name))
                {
                    throw new ExpositionFormatException(sample.Line, $"duplicate label \"{name}\"");
                }

                labels.Add(new(name, LabelReader.Unescape(reader.RawValue)));
            }

            var metricName = System.Text.Encoding.ASCII.GetString(sample.Name);
            return store.Create(state, metricName, labels, TypeOf(sample.Name), sample.SeriesKey.ToArray());
        }

        private MetricType TypeOf(ReadOnlySpan<byte> name)
        {
            if (_types.TryGetValue(name, out var type))
            {
                return type;
            }

            foreach (var suffix in Suffixes)
            {
                if (name.EndsWith(suffix) && _types.TryGetValue(name[..^suffix.Length], out type))
                {
                    return type;
                }
            }

            return MetricType.Untyped;
        }

        private static readonly byte[][] Suffixes = ["_bucket"u8.ToArray(), "_sum"u8.ToArray(), "_count"u8.ToArray(), "_total"u8.ToArray(), "_created"u8.ToArray(), "_gcount"u8.ToArray(), "_gsum"u8.ToArray()];
    }

    /// <summary>Byte-content keys, looked up by span without allocating (.NET alternate lookup).</summary>
    private sealed class ByteKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteKeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            var hash = new HashCode();
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
    }
}
