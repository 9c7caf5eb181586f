namespace OpsConsole.Core.Metrics.Store;

/// <summary>
/// A fixed-capacity ring of (timestamp, value) samples for one series: 16 bytes per sample, no allocation after
/// creation. Appends overwrite the oldest sample once full. Not thread-safe; the store serializes access.
/// </summary>
public sealed class SeriesRing
{
    private readonly long[] _timestamps;
    private readonly double[] _values;
    private int _start;

    public SeriesRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _timestamps = new long[capacity];
        _values = new double[capacity];
    }

    public int Capacity => _timestamps.Length;

    public int Count { get; private set; }

    public long BytesUsed => (long)Capacity * (sizeof(long) + sizeof(double));

    public long LastTimestamp => Count == 0 ? long.MinValue : _timestamps[(_start + Count - 1) % Capacity];

    public double LastValue => Count == 0 ? double.NaN : _values[(_start + Count - 1) % Capacity];

    /// <summary>Appends a sample; a timestamp not after the last one is ignored (out of order / duplicate) and false returned.</summary>
    public bool Append(long timestampMs, double value)
    {
        if (Count > 0 && timestampMs <= LastTimestamp)
        {
            return false;
        }

        if (Count < Capacity)
        {
            var index = (_start + Count) % Capacity;
            _timestamps[index] = timestampMs;
            _values[index] = value;
            Count++;
        }
        else
        {
            _timestamps[_start] = timestampMs;
            _values[_start] = value;
            _start = (_start + 1) % Capacity;
        }

        return true;
    }

    /// <summary>Drops samples older than the cutoff (retention).</summary>
    public void TrimBefore(long cutoffMs)
    {
        while (Count > 0 && _timestamps[_start] < cutoffMs)
        {
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
        for (var i = 0; i < Count; i++)
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
}
