namespace OpsConsole.Core.Metrics.Exposition;

public enum MetricType
{
    Untyped,
    Counter,
    Gauge,
    Histogram,
    Summary,
    GaugeHistogram,
    StateSet,
    Info,
}

public enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4.</summary>
    PrometheusText,

    /// <summary>OpenMetrics 1.0 text (requires the trailing "# EOF"; timestamps in seconds).</summary>
    OpenMetrics,
}

/// <summary>One sample as parsed: spans into the scraped bytes, valid only during the callback (no allocation).</summary>
public readonly ref struct ParsedSample
{
    public ParsedSample(ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels, ReadOnlySpan<byte> seriesKey, double value, long? timestampMs, int line)
    {
        Name = name;
        Labels = labels;
        SeriesKey = seriesKey;
        Value = value;
        TimestampMs = timestampMs;
        Line = line;
    }

    public ReadOnlySpan<byte> Name { get; }

    /// <summary>The text between the braces, still escaped; walk it with <see cref="LabelReader"/>.</summary>
    public ReadOnlySpan<byte> Labels { get; }

    /// <summary>Name and label text exactly as written: a stable identity for the series within one target.</summary>
    public ReadOnlySpan<byte> SeriesKey { get; }

    public double Value { get; }

    public long? TimestampMs { get; }

    public int Line { get; }
}

/// <summary>Receives what the parser finds, in order.</summary>
public interface IExpositionSink
{
    void OnType(ReadOnlySpan<byte> family, MetricType type);

    void OnHelp(ReadOnlySpan<byte> family, ReadOnlySpan<byte> escapedHelp);

    void OnSample(in ParsedSample sample);
}

/// <summary>Malformed exposition text; the message names the line and what was expected.</summary>
public sealed class ExpositionFormatException : FormatException
{
    public ExpositionFormatException()
    {
    }

    public ExpositionFormatException(string message)
        : base(message)
    {
    }

    public ExpositionFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ExpositionFormatException(int line, string message)
        : base($"parse error at line {line}: {message}")
    {
        LineNumber = line;
    }

    public int LineNumber { get; }
}
