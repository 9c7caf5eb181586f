using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using OpsConsole.Core.Metrics.Exposition;

namespace OpsConsole.Benchmarks;

/// <summary>BenchmarkDotNet over a real prometheus-node-exporter scrape (505 samples); reports ns and bytes per sample.</summary>
public sealed class ParserHarness : IHarness
{
    public string Name => "parser";

    public string Description => "exposition parser on node-exporter output: ns/sample, allocations (BenchmarkDotNet)";

    public Task<int> RunAsync(string[] args)
    {
        var summary = BenchmarkRunner.Run<ParserBenchmark>(DefaultConfig.Instance.WithOptions(ConfigOptions.DisableOptimizationsValidator), args);
        var report = summary.Reports.Single();
        var samples = ParserBenchmark.SampleCount;
        var meanNs = report.ResultStatistics!.Mean;
        var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0;
        Console.WriteLine($"parser: {samples} samples per scrape, {meanNs / 1000:0.0} µs per scrape, {meanNs / samples:0.0} ns per sample, {allocated} B allocated per scrape ({(double)allocated / samples:0.00} B/sample)");
        return Task.FromResult(0);
    }
}

[MemoryDiagnoser]
public class ParserBenchmark
{
    private static readonly byte[] Text = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "node-exporter.prom"));
    private readonly CountingSink _sink = new();

    public static int SampleCount { get; } = ExpositionParser.Parse(Text, ExpositionFormat.PrometheusText, new CountingSink());

    [Benchmark]
    public int ParseNodeExporterScrape() => ExpositionParser.Parse(Text, ExpositionFormat.PrometheusText, _sink);

    private sealed class CountingSink : IExpositionSink
    {
        private double _sum;

        public void OnType(ReadOnlySpan<byte> family, MetricType type)
        {
        }

        public void OnHelp(ReadOnlySpan<byte> family, ReadOnlySpan<byte> escapedHelp)
        {
        }

        // Touch what a store would: the series key and the value.
        public void OnSample(in ParsedSample sample) => _sum += sample.Value + sample.SeriesKey.Length;
    }
}
