namespace OpsConsole.Core.Metrics.Store;

/// <summary>
/// A ring of (timestamp, value) samples for one series, 16 bytes per sample. It starts small and the store grows it
/// (doubling, up to the retention's sample count) while its memory budget allows; a full ring overwrites its oldest
/// sample. Not thread-safe; the store serializes access.
/// </summary>
public sealed class SeriesRing
{
    public const int InitialCapacity = 8;

    private long[] _timestamps;
    private double[] _values;
    private int _start;

    // The newest sample also in fields: reads at "now" (rules, tiles) need not touch the arrays.
    private long _lastTimestamp = long.MinValue;
    private double _lastValue = double.NaN;
    private int _staleMarkers;

    public SeriesRing(int maxCapacity, int initialCapacity = InitialCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCapacity, 2);
        MaxCapacity = maxCapacity;
        var capacity = Math.Clamp(initialCapacity, 2, maxCapacity);
        _timestamps = new long[capacity];
        _values = new double[capacity];
    }

    public int Capacity => _timestamps.Length;

    /// <summary>Samples that cover the retention; the ring never grows beyond it.</summary>
    public int MaxCapacity { get; }

    /// <summary>Full and still allowed to grow: the next append would drop a sample younger than the retention.</summary>
    public bool WantsToGrow => Count == Capacity && Capacity < MaxCapacity;

    /// <summary>The capacity the next growth step takes.</summary>
    public int NextCapacity => Math.Min(MaxCapacity, Capacity * 2);

    /// <summary>Grows to <see cref="NextCapacity"/>, keeping every sample in order; returns the bytes added.</summary>
    public long Grow()
    {
        var capacity = NextCapacity;
        var timestamps = new long[capacity];
        var values = new double[capacity];
        for (var i = 0; i < Count; i++)
        {
            var index = (_start + i) % Capacity;
            timestamps[i] = _timestamps[index];
            values[i] = _values[index];
        }

        var added = (long)(capacity - Capacity) * (sizeof(long) + sizeof(double));
        (_timestamps, _values, _start) = (timestamps, values, 0);
        return added;
    }

    public int Count { get; private set; }

    /// <summary>Whether any sample held is a stale marker (readers of a window can skip filtering when not).</summary>
    public bool HasStaleMarkers => _staleMarkers > 0;

    public long BytesUsed => (long)Capacity * (sizeof(long) + sizeof(double));

    public long LastTimestamp => Count == 0 ? long.MinValue : _lastTimestamp;

    public double LastValue => Count == 0 ? double.NaN : _lastValue;

    /// <summary>Appends a sample; a timestamp not after the last one is ignored (out of order / duplicate) and false returned.</summary>
    public bool Append(long timestampMs, double value)
    {
        if (Count > 0 && timestampMs <= LastTimestamp)
        {
            return false;
        }

        _staleMarkers += IsStaleMarker(value) ? 1 : 0;
        if (Count < Capacity)
        {
            var index = (_start + Count) % Capacity;
            _timestamps[index] = timestampMs;
            _values[index] = value;
            Count++;
        }
        else
        {
            _staleMarkers -= IsStaleMarker(_values[_start]) ? 1 : 0;
            _timestamps[_start] = timestampMs;
            _values[_start] = value;
            _start = (_start + 1) % Capacity;
        }

        (_lastTimestamp, _lastValue) = (timestampMs, value);
        return true;
    }

    /// <summary>Drops samples older than the cutoff (retention).</summary>
    public void TrimBefore(long cutoffMs)
    {
        while (Count > 0 && _timestamps[_start] < cutoffMs)
        {
            _staleMarkers -= IsStaleMarker(_values[_start]) ? 1 : 0;
            _start = (_start + 1) % Capacity;
            Count--;
        }
    }

    /// <summary>Copies the samples in [fromMs, toMs] into the destination lists, oldest first.</summary>
    public int CopyRange(long fromMs, long toMs, List<long> timestamps, List<double> values)
    {
        ArgumentNullException.ThrowIfNull(timestamps);
        ArgumentNullException.ThrowIfNull(values);
        var copied = 0;
        for (var i = FirstAtOrAfter(fromMs); i < Count; i++)
        {
            var index = (_start + i) % Capacity;
            var t = _timestamps[index];
            if (t < fromMs)
            {
                continue;
            }

            if (t > toMs)
            {
                break;
            }

            timestamps.Add(t);
            values.Add(_values[index]);
            copied++;
        }

        return copied;
    }

    /// <summary>The logical index (0 = oldest) of the newest sample at or before the time, or -1 when there is none.</summary>
    public int IndexAtOrBefore(long timestampMs)
    {
        if (Count == 0)
        {
            return -1;
        }

        // Rules evaluate at "now": the newest sample is the answer almost always, so check it before searching.
        return LastTimestamp <= timestampMs ? Count - 1 : FirstAtOrAfter(timestampMs + 1) - 1;
    }

    /// <summary>The newest sample at or before the time.</summary>
    public bool TryGetAtOrBefore(long timestampMs, out long sampleTimestampMs, out double value)
    {
        if (Count > 0 && _lastTimestamp <= timestampMs)
        {
            (sampleTimestampMs, value) = (_lastTimestamp, _lastValue);
            return true;
        }

        var index = IndexAtOrBefore(timestampMs);
        (sampleTimestampMs, value) = index < 0 ? (0, 0) : (TimestampAt(index), ValueAt(index));
        return index >= 0;
    }

    /// <summary>
    /// Reads the cache lines of the newest samples without using them: a caller about to read many rings touches a
    /// batch of them first, so the processor overlaps their memory latency instead of paying it one ring at a time.
    /// </summary>
    internal long Touch(int newest)
    {
        var sum = 0L;
        for (var i = Math.Max(0, Count - newest); i < Count; i += 8)
        {
            var physical = Physical(i);
            sum += _timestamps[physical] ^ BitConverter.DoubleToInt64Bits(_values[physical]);
        }

        return sum;
    }

    /// <summary>The sample at a logical index (0 = oldest).</summary>
    public long TimestampAt(int index) => _timestamps[Physical(index)];

    /// <inheritdoc cref="TimestampAt"/>
    public double ValueAt(int index) => _values[Physical(index)];

    /// <summary>
    /// Copies the samples in [fromMs, toMs] into the spans, oldest first, and returns how many; the spans must hold
    /// <see cref="Count"/> samples (no list, no allocation: the rule evaluator's range reads).
    /// </summary>
    public int CopyRange(long fromMs, long toMs, Span<long> timestamps, Span<double> values)
    {
        if (timestamps.Length < Count || values.Length < Count)
        {
            throw new ArgumentException($"the destination must hold {Count} samples", nameof(timestamps));
        }

        var last = IndexAtOrBefore(toMs);
        if (last < 0 || TimestampAt(last) < fromMs)
        {
            return 0;
        }

        var first = FirstAtOrAfterBackwards(fromMs, last);
        var n = last + 1 - first;

        // At most two contiguous runs: up to the end of the arrays, then from their start.
        var start = Physical(first);
        var head = Math.Min(n, Capacity - start);
        _timestamps.AsSpan(start, head).CopyTo(timestamps);
        _values.AsSpan(start, head).CopyTo(values);
        if (head < n)
        {
            _timestamps.AsSpan(0, n - head).CopyTo(timestamps[head..]);
            _values.AsSpan(0, n - head).CopyTo(values[head..]);
        }

        return n;
    }

    private static bool IsStaleMarker(double value) => BitConverter.DoubleToInt64Bits(value) == 0x7ff0000000000002;

    private int Physical(int index)
    {
        var physical = _start + index;
        return physical >= Capacity ? physical - Capacity : physical;
    }

    /// <summary>
    /// The first index at or after the time, knowing the sample at <paramref name="from"/> is: galloping back from the
    /// newest end (windows end near it) then bisecting, so a short window touches only the ring's last cache lines.
    /// </summary>
    private int FirstAtOrAfterBackwards(long timestampMs, int from)
    {
        var (low, high) = (-1, from);
        for (var step = 1; ; step <<= 1)
        {
            var probe = high - step;
            if (probe < 0)
            {
                break;
            }

            if (TimestampAt(probe) < timestampMs)
            {
                low = probe;
                break;
            }

            high = probe;
        }

        while (high - low > 1)
        {
            var mid = (low + high) >>> 1;
            if (TimestampAt(mid) < timestampMs)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return high;
    }

    /// <summary>The logical index of the first sample at or after the time (binary search: samples ascend).</summary>
    private int FirstAtOrAfter(long timestampMs)
    {
        var (low, high) = (0, Count);
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (_timestamps[Physical(mid)] < timestampMs)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
