using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Metrics;

/// <summary>A real exporter: Debian's prometheus-node-exporter, started by the test on a free loopback port.</summary>
public sealed class NodeExporterScrapeTests : IAsyncLifetime
{
    private const string Binary = "/usr/bin/prometheus-node-exporter";
    private ExternalServerProcess _exporter = default!;

    private Uri MetricsUrl => new(_exporter.BaseAddress, "metrics");

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing; ./test.sh installs the prometheus-node-exporter package");
        // A few cheap collectors: the slow or host-specific ones (systemd, filesystem, network) add nothing here.
        _exporter = await ExternalServerProcess.StartAsync("prometheus-node-exporter", Binary, listen =>
        [
            $"--web.listen-address={listen}",
            "--collector.disable-defaults",
            "--collector.cpu",
            "--collector.meminfo",
            "--collector.loadavg",
            "--collector.uname",
        ], "metrics");
    }

    public async Task DisposeAsync() => await _exporter.DisposeAsync();

    [Fact]
    public async Task Its_cpu_memory_and_load_series_are_stored_with_job_and_instance_and_up_is_1()
    {
        using var scraper = new ScrapeHarness();

        var health = await scraper.ScrapeAsync("node", MetricsUrl);

        Assert.True(health.Up, health.LastError);
        Assert.Null(health.LastError);
        Assert.Equal(1, Assert.Single(scraper.Latest("node", "up")).Value);
        var cpu = scraper.Latest("node", "node_cpu_seconds_total");
        var cpus = File.ReadLines("/proc/stat").Count(l => l.Length > 3 && l.StartsWith("cpu", StringComparison.Ordinal) && char.IsAsciiDigit(l[3]));
        Assert.Equal(cpus, cpu.Select(c => c.Series.Label("cpu")).Distinct().Count());
        Assert.Contains(cpu, c => c.Series.Label("mode") == "idle" && c.Value > 0);
        Assert.All(cpu, c => Assert.Equal($"127.0.0.1:{MetricsUrl.Port}", c.Series.Label("instance")));
        Assert.All(cpu, c => Assert.Equal("node", c.Series.Label("job")));
        Assert.True(Assert.Single(scraper.Latest("node", "node_memory_MemTotal_bytes")).Value > 0);
        Assert.Single(scraper.Latest("node", "node_load1"));
        Assert.True(health.Samples > 50, $"{health.Samples} samples");
    }
}
