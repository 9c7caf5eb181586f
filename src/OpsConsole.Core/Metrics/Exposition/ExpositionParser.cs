using System.Globalization;
using System.Text;

namespace OpsConsole.Core.Metrics.Exposition;

/// <summary>
/// Parser for the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text, over the scraped UTF-8 bytes.
/// Hand-written because no maintained .NET library parses the exposition format (prometheus-net only writes it), and
/// a scraper needs it allocation-free: every name, label and value reaches the sink as a span into the input.
/// </summary>
public static class ExpositionParser
{
    /// <summary>Parses the whole text; returns the number of samples. Throws <see cref="ExpositionFormatException"/> naming the line.</summary>
    public static int Parse(ReadOnlySpan<byte> text, ExpositionFormat format, IExpositionSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var lineNumber = 0;
        var samples = 0;
        var sawEof = false;
        while (!text.IsEmpty)
        {
            lineNumber++;
            var newline = text.IndexOf((byte)'\n');
            var line = newline < 0 ? text : text[..newline];
            text = newline < 0 ? default : text[(newline + 1)..];
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (sawEof)
            {
                if (!line.IsEmpty)
                {
                    throw new ExpositionFormatException(lineNumber, "content after \"# EOF\"");
                }

                continue;
            }

            line = TrimStart(line);
            if (line.IsEmpty)
            {
                continue;
            }

            if (line[0] == (byte)'#')
            {
                sawEof = ParseComment(line, lineNumber, format, sink);
                continue;
            }

            ParseSample(line, lineNumber, format, sink);
            samples++;
        }

        if (format == ExpositionFormat.OpenMetrics && !sawEof)
        {
            throw new ExpositionFormatException(lineNumber, "missing \"# EOF\" at the end (OpenMetrics requires it)");
        }

        return samples;
    }

    /// <summary>Chooses the format from the response's Content-Type.</summary>
    public static ExpositionFormat FormatOf(string? contentType) =>
        contentType is not null && contentType.Contains("application/openmetrics-text", StringComparison.OrdinalIgnoreCase)
            ? ExpositionFormat.OpenMetrics
            : ExpositionFormat.PrometheusText;

    private static bool ParseComment(ReadOnlySpan<byte> line, int lineNumber, ExpositionFormat format, IExpositionSink sink)
    {
        var rest = line[1..];
        if (rest.IsEmpty || !IsBlank(rest[0]))
        {
            return false; // "#foo": a plain comment
        }

        rest = TrimStart(rest);
        if (rest.SequenceEqual("EOF"u8))
        {
            if (format != ExpositionFormat.OpenMetrics)
            {
                throw new ExpositionFormatException(lineNumber, "\"# EOF\" is OpenMetrics, not Prometheus text");
            }

            return true;
        }

        var keyword = Token(ref rest);
        if (!keyword.SequenceEqual("HELP"u8) && !keyword.SequenceEqual("TYPE"u8) && !keyword.SequenceEqual("UNIT"u8))
        {
            return false; // any other comment
        }

        rest = TrimStart(rest);
        var family = Token(ref rest);
        if (family.IsEmpty || !IsMetricName(family))
        {
            throw new ExpositionFormatException(lineNumber, $"invalid metric name in # {Encoding.ASCII.GetString(keyword)}");
        }

        rest = TrimStart(rest);
        if (keyword[0] == (byte)'H')
        {
            sink.OnHelp(family, rest);
        }
        else if (keyword[0] == (byte)'T')
        {
            sink.OnType(family, TypeOf(TrimEnd(rest), lineNumber));
        }

        return false;
    }

    private static MetricType TypeOf(ReadOnlySpan<byte> type, int lineNumber) => type switch
    {
        _ when type.SequenceEqual("counter"u8) => MetricType.Counter,
        _ when type.SequenceEqual("gauge"u8) => MetricType.Gauge,
        _ when type.SequenceEqual("histogram"u8) => MetricType.Histogram,
        _ when type.SequenceEqual("summary"u8) => MetricType.Summary,
        _ when type.SequenceEqual("untyped"u8) || type.SequenceEqual("unknown"u8) => MetricType.Untyped,
        _ when type.SequenceEqual("gaugehistogram"u8) => MetricType.GaugeHistogram,
        _ when type.SequenceEqual("stateset"u8) => MetricType.StateSet,
        _ when type.SequenceEqual("info"u8) => MetricType.Info,
        _ => throw new ExpositionFormatException(lineNumber, $"unknown metric type \"{Encoding.UTF8.GetString(type)}\""),
    };

    private static void ParseSample(ReadOnlySpan<byte> line, int lineNumber, ExpositionFormat format, IExpositionSink sink)
    {
        var position = 0;
        while (position < line.Length && IsNameChar(line[position], position == 0))
        {
            position++;
        }

        if (position == 0)
        {
            throw new ExpositionFormatException(lineNumber, "expected a metric name");
        }

        var name = line[..position];
        var labels = ReadOnlySpan<byte>.Empty;
        if (position < line.Length && line[position] == (byte)'{')
        {
            var end = ScanLabels(line, position + 1, lineNumber);
            labels = line[(position + 1)..end];
            position = end + 1;
        }

        var seriesKey = line[..position];
        var rest = line[position..];
        if (rest.IsEmpty || !IsBlank(rest[0]))
        {
            throw new ExpositionFormatException(lineNumber, "expected a space and a value after the series");
        }

        rest = TrimStart(rest);
        var value = ParseValue(Token(ref rest), lineNumber);
        rest = TrimStart(rest);
        long? timestamp = null;
        if (!rest.IsEmpty && rest[0] != (byte)'#')
        {
            timestamp = ParseTimestamp(Token(ref rest), format, lineNumber);
            rest = TrimStart(rest);
        }

        // OpenMetrics exemplars (" # {trace_id=...} 1.0 [ts]") are tolerated and not kept.
        if (!rest.IsEmpty && rest[0] != (byte)'#')
        {
            throw new ExpositionFormatException(lineNumber, "unexpected text after the value and timestamp");
        }

        sink.OnSample(new ParsedSample(name, labels, seriesKey, value, timestamp, lineNumber));
    }

    /// <summary>Returns the index of the closing brace, validating names, quotes and escapes on the way.</summary>
    private static int ScanLabels(ReadOnlySpan<byte> line, int position, int lineNumber)
    {
        while (true)
        {
            position = SkipBlanks(line, position);
            if (position >= line.Length)
            {
                throw new ExpositionFormatException(lineNumber, "unterminated label set: expected '}'");
            }

            if (line[position] == (byte)'}')
            {
                return position;
            }

            var nameStart = position;
            while (position < line.Length && IsLabelNameChar(line[position], position == nameStart))
            {
                position++;
            }

            if (position == nameStart)
            {
                throw new ExpositionFormatException(lineNumber, "expected a label name");
            }

            position = SkipBlanks(line, position);
            if (position >= line.Length || line[position] != (byte)'=')
            {
                throw new ExpositionFormatException(lineNumber, "expected '=' after a label name");
            }

            position = SkipBlanks(line, position + 1);
            if (position >= line.Length || line[position] != (byte)'"')
            {
                throw new ExpositionFormatException(lineNumber, "expected '\"' to open a label value");
            }

            position++;
            while (true)
            {
                var special = line[position..].IndexOfAny((byte)'"', (byte)'\\');
                if (special < 0)
                {
                    throw new ExpositionFormatException(lineNumber, "unterminated label value");
                }

                position += special;
                if (line[position] == (byte)'"')
                {
                    position++;
                    break;
                }

                if (position + 1 >= line.Length || line[position + 1] is not ((byte)'\\' or (byte)'"' or (byte)'n'))
                {
                    throw new ExpositionFormatException(lineNumber, "invalid escape in a label value (allowed: \\\\, \\\", \\n)");
                }

                position += 2;
            }

            position = SkipBlanks(line, position);
            if (position < line.Length && line[position] == (byte)',')
            {
                position++;
            }
            else if (position >= line.Length || line[position] != (byte)'}')
            {
                throw new ExpositionFormatException(lineNumber, "expected ',' or '}' after a label value");
            }
        }
    }

    private static double ParseValue(ReadOnlySpan<byte> token, int lineNumber)
    {
        if (token.IsEmpty)
        {
            throw new ExpositionFormatException(lineNumber, "expected a value");
        }

        // Go's ParseFloat spellings that Prometheus emits; double.TryParse does not accept "+Inf".
        if (Ascii.EqualsIgnoreCase(token, "NaN"u8))
        {
            return double.NaN;
        }

        if (Ascii.EqualsIgnoreCase(token, "+Inf"u8) || Ascii.EqualsIgnoreCase(token, "Inf"u8) || Ascii.EqualsIgnoreCase(token, "+Infinity"u8))
        {
            return double.PositiveInfinity;
        }

        if (Ascii.EqualsIgnoreCase(token, "-Inf"u8) || Ascii.EqualsIgnoreCase(token, "-Infinity"u8))
        {
            return double.NegativeInfinity;
        }

        return double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ExpositionFormatException(lineNumber, $"invalid value \"{Encoding.UTF8.GetString(token)}\"");
    }

    private static long ParseTimestamp(ReadOnlySpan<byte> token, ExpositionFormat format, int lineNumber)
    {
        if (format == ExpositionFormat.OpenMetrics)
        {
            // OpenMetrics timestamps are seconds, possibly fractional.
            return double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds)
                ? (long)Math.Round(seconds * 1000)
                : throw new ExpositionFormatException(lineNumber, $"invalid timestamp \"{Encoding.UTF8.GetString(token)}\"");
        }

        return long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var milliseconds)
            ? milliseconds
            : throw new ExpositionFormatException(lineNumber, $"invalid timestamp \"{Encoding.UTF8.GetString(token)}\" (milliseconds)");
    }

    private static ReadOnlySpan<byte> Token(ref ReadOnlySpan<byte> rest)
    {
        var end = rest.IndexOfAny((byte)' ', (byte)'\t');
        var token = end < 0 ? rest : rest[..end];
        rest = end < 0 ? default : rest[end..];
        return token;
    }

    private static bool IsBlank(byte b) => b is (byte)' ' or (byte)'\t';

    private static int SkipBlanks(ReadOnlySpan<byte> line, int position)
    {
        while (position < line.Length && IsBlank(line[position]))
        {
            position++;
        }

        return position;
    }

    private static ReadOnlySpan<byte> TrimStart(ReadOnlySpan<byte> span) => span.TrimStart(" \t"u8);

    private static ReadOnlySpan<byte> TrimEnd(ReadOnlySpan<byte> span) => span.TrimEnd(" \t"u8);

    private static bool IsNameChar(byte b, bool first) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or (byte)'_' or (byte)':' || (!first && b is >= (byte)'0' and <= (byte)'9');

    private static bool IsLabelNameChar(byte b, bool first) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or (byte)'_' || (!first && b is >= (byte)'0' and <= (byte)'9');

    internal static bool IsMetricName(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            if (!IsNameChar(name[i], i == 0))
            {
                return false;
            }
        }

        return !name.IsEmpty;
    }
}
