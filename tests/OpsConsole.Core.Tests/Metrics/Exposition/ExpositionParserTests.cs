using System.Text;
using OpsConsole.Core.Metrics.Exposition;

namespace OpsConsole.Core.Tests.Metrics.Exposition;

public sealed class ExpositionParserTests
{
    private sealed record Sample(string Name, IReadOnlyList<(string Name, string Value)> Labels, string SeriesKey, double Value, long? TimestampMs, int Line);

    private sealed class Recorder : IExpositionSink
    {
        public List<Sample> Samples { get; } = [];

        public Dictionary<string, MetricType> Types { get; } = [];

        public Dictionary<string, string> Help { get; } = [];

        public void OnType(ReadOnlySpan<byte> family, MetricType type) => Types[Encoding.UTF8.GetString(family)] = type;

        public void OnHelp(ReadOnlySpan<byte> family, ReadOnlySpan<byte> escapedHelp) => Help[Encoding.UTF8.GetString(family)] = Encoding.UTF8.GetString(escapedHelp);

        public void OnSample(in ParsedSample sample)
        {
            var labels = new List<(string, string)>();
            var reader = new LabelReader(sample.Labels);
            while (reader.MoveNext())
            {
                labels.Add((Encoding.UTF8.GetString(reader.Name), LabelReader.Unescape(reader.RawValue)));
            }

            Samples.Add(new Sample(Encoding.UTF8.GetString(sample.Name), labels, Encoding.UTF8.GetString(sample.SeriesKey), sample.Value, sample.TimestampMs, sample.Line));
        }
    }

    private static Recorder Parse(string text, ExpositionFormat format = ExpositionFormat.PrometheusText)
    {
        var recorder = new Recorder();
        ExpositionParser.Parse(Encoding.UTF8.GetBytes(text), format, recorder);
        return recorder;
    }

    [Fact]
    public void The_spec_example_parses_with_help_types_labels_escapes_and_timestamps()
    {
        // The example from the Prometheus exposition format documentation.
        var parsed = Parse("""
            # HELP http_requests_total The total number of HTTP requests.
            # TYPE http_requests_total counter
            http_requests_total{method="post",code="200"} 1027 1395066363000
            http_requests_total{method="post",code="400"}    3 1395066363000

            # Escaping in label values:
            msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9

            # Minimalistic line:
            metric_without_timestamp_and_labels 12.47

            # A weird metric from before the epoch:
            something_weird{problem="division by zero"} +Inf -3982045

            # A histogram, which has a pretty complex representation in the text format:
            # HELP http_request_duration_seconds A histogram of the request duration.
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{le="0.05"} 24054
            http_request_duration_seconds_bucket{le="+Inf"} 144320
            http_request_duration_seconds_sum 53423
            http_request_duration_seconds_count 144320

            # TYPE rpc_duration_seconds summary
            rpc_duration_seconds{quantile="0.5"} 4773
            rpc_duration_seconds_sum 1.7560473e+07
            rpc_duration_seconds_count 2693
            """);

        Assert.Equal(12, parsed.Samples.Count);
        Assert.Equal(MetricType.Counter, parsed.Types["http_requests_total"]);
        Assert.Equal(MetricType.Histogram, parsed.Types["http_request_duration_seconds"]);
        Assert.Equal(MetricType.Summary, parsed.Types["rpc_duration_seconds"]);
        Assert.Equal("The total number of HTTP requests.", parsed.Help["http_requests_total"]);

        var first = parsed.Samples[0];
        Assert.Equal("http_requests_total", first.Name);
        Assert.Equal([("method", "post"), ("code", "200")], first.Labels);
        Assert.Equal("http_requests_total{method=\"post\",code=\"200\"}", first.SeriesKey);
        Assert.Equal(1027, first.Value);
        Assert.Equal(1395066363000, first.TimestampMs);
        Assert.Equal(3, parsed.Samples[1].Value);

        var escaped = parsed.Samples[2];
        Assert.Equal([("path", "C:\\DIR\\FILE.TXT"), ("error", "Cannot find file:\n\"FILE.TXT\"")], escaped.Labels);
        Assert.Equal(1.458255915e9, escaped.Value);

        Assert.Empty(parsed.Samples[3].Labels);
        Assert.Null(parsed.Samples[3].TimestampMs);
        Assert.Equal(double.PositiveInfinity, parsed.Samples[4].Value);
        Assert.Equal(-3982045, parsed.Samples[4].TimestampMs);
        Assert.Equal([("le", "+Inf")], parsed.Samples[6].Labels);
        Assert.Equal(1.7560473e+07, parsed.Samples[10].Value);
    }

    [Theory]
    [InlineData("NaN", double.NaN)]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("-0.5e-3", -0.0005)]
    [InlineData("1e+308", 1e308)]
    public void Special_and_exponent_values(string text, double expected) =>
        Assert.Equal(expected, Parse($"m {text}\n").Samples.Single().Value);

    [Fact]
    public void OpenMetrics_needs_eof_reads_second_timestamps_and_tolerates_exemplars_and_created()
    {
        var parsed = Parse("""
            # TYPE acme_http_router_request_seconds summary
            # UNIT acme_http_router_request_seconds seconds
            # HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
            acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
            acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
            acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
            # TYPE foo histogram
            foo_bucket{le="0.01"} 0
            foo_bucket{le="+Inf"} 17 # {trace_id="KOO5S4vxi0o"} 0.67
            foo_count 17 1520879607.789
            # EOF
            """, ExpositionFormat.OpenMetrics);

        Assert.Equal(6, parsed.Samples.Count);
        Assert.Equal("acme_http_router_request_seconds_created", parsed.Samples[2].Name);
        Assert.Equal(17, parsed.Samples[4].Value);
        Assert.Equal(1520879607789, parsed.Samples[5].TimestampMs);

        var missingEof = Assert.Throws<ExpositionFormatException>(() => Parse("a 1\n", ExpositionFormat.OpenMetrics));
        Assert.Contains("# EOF", missingEof.Message, StringComparison.Ordinal);
        var afterEof = Assert.Throws<ExpositionFormatException>(() => Parse("a 1\n# EOF\nb 2\n", ExpositionFormat.OpenMetrics));
        Assert.Equal(3, afterEof.LineNumber);
    }

    [Theory]
    [InlineData("a{b=\"c} 1", 1, "unterminated label value")]
    [InlineData("ok 1\na{b=c} 1", 2, "expected '\"' to open a label value")]
    [InlineData("a{b=\"\\x\"} 1", 1, "invalid escape")]
    [InlineData("a{1b=\"c\"} 1", 1, "expected a label name")]
    [InlineData("a{b=\"c\" d=\"e\"} 1", 1, "expected ',' or '}'")]
    [InlineData("a 1 2 3", 1, "unexpected text after")]
    [InlineData("a one", 1, "invalid value \"one\"")]
    [InlineData("a 1 soon", 1, "invalid timestamp")]
    [InlineData("a", 1, "expected a space and a value")]
    [InlineData("9a 1", 1, "expected a metric name")]
    [InlineData("# TYPE a countr\na 1", 1, "unknown metric type \"countr\"")]
    public void Malformed_lines_are_refused_with_the_line_and_what_was_expected(string text, int line, string expected)
    {
        var error = Assert.Throws<ExpositionFormatException>(() => Parse(text));

        Assert.Equal(line, error.LineNumber);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"parse error at line {line}:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Crlf_blank_lines_comments_and_a_trailing_comma_are_accepted()
    {
        var parsed = Parse("# just a comment\r\n#nospace comment\r\n\r\n  a{b=\"1\",} 2\r\n");

        var sample = Assert.Single(parsed.Samples);
        Assert.Equal([("b", "1")], sample.Labels);
        Assert.Equal(4, sample.Line);
    }

    [Fact]
    public void Invalid_utf8_in_a_label_value_is_refused_when_the_value_is_read()
    {
        var bytes = Encoding.ASCII.GetBytes("a{b=\"x\"} 1\n");
        bytes[5] = 0xff;
        var recorder = new Recorder();

        var error = Assert.Throws<ExpositionFormatException>(() => ExpositionParser.Parse(bytes, ExpositionFormat.PrometheusText, recorder));

        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_format_follows_the_content_type()
    {
        Assert.Equal(ExpositionFormat.OpenMetrics, ExpositionParser.FormatOf("application/openmetrics-text; version=1.0.0; charset=utf-8"));
        Assert.Equal(ExpositionFormat.PrometheusText, ExpositionParser.FormatOf("text/plain; version=0.0.4; charset=utf-8"));
        Assert.Equal(ExpositionFormat.PrometheusText, ExpositionParser.FormatOf(null));
    }
}

public sealed class NodeExporterFixtureTests
{
    [Fact]
    public void A_real_node_exporter_scrape_parses_completely()
    {
        var text = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Metrics", "Exposition", "Fixtures", "node-exporter.prom"));
        var lines = System.Text.Encoding.UTF8.GetString(text).Split('\n');
        var expected = lines.Count(l => l.Length > 0 && !l.StartsWith('#'));

        var count = ExpositionParser.Parse(text, ExpositionFormat.PrometheusText, new NullSink());

        Assert.Equal(expected, count);
        Assert.True(count > 400, $"the fixture should be a full scrape, got {count} samples");
    }

    private sealed class NullSink : IExpositionSink
    {
        public void OnType(ReadOnlySpan<byte> family, MetricType type)
        {
        }

        public void OnHelp(ReadOnlySpan<byte> family, ReadOnlySpan<byte> escapedHelp)
        {
        }

        public void OnSample(in ParsedSample sample)
        {
        }
    }
}
