using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Metrics;

/// <summary>A real exporter: Debian's prometheus-node-exporter, started by the test on a free loopback port.</summary>
public sealed class NodeExporterScrapeTests : IAsyncLifetime
{
    private const string Binary = "/usr/bin/prometheus-node-exporter";
    private Process _exporter = default!;
    private Uri _metrics = default!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing; ./test.sh installs the prometheus-node-exporter package");
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        // A few cheap collectors: the slow or host-specific ones (systemd, filesystem, network) add nothing here.
        _exporter = Process.Start(new ProcessStartInfo(Binary)
        {
            ArgumentList =
            {
                $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                "--collector.disable-defaults",
                "--collector.cpu",
                "--collector.meminfo",
                "--collector.loadavg",
                "--collector.uname",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        _exporter.OutputDataReceived += (_, _) => { };
        _exporter.ErrorDataReceived += (_, _) => { };
        _exporter.BeginOutputReadLine();
        _exporter.BeginErrorReadLine();
        _metrics = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/metrics");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(_exporter.HasExited, "prometheus-node-exporter exited at start");
            try
            {
                using var response = await http.GetAsync(_metrics);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "prometheus-node-exporter did not answer within 30 s");
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        _exporter.Kill();
        await _exporter.WaitForExitAsync();
        _exporter.Dispose();
    }

    [Fact]
    public async Task Its_cpu_memory_and_load_series_are_stored_with_job_and_instance_and_up_is_1()
    {
        using var scraper = new ScrapeHarness();

        var health = await scraper.ScrapeAsync("node", _metrics);

        Assert.True(health.Up, health.LastError);
        Assert.Null(health.LastError);
        Assert.Equal(1, Assert.Single(scraper.Latest("node", "up")).Value);
        var cpu = scraper.Latest("node", "node_cpu_seconds_total");
        var cpus = File.ReadLines("/proc/stat").Count(l => l.Length > 3 && l.StartsWith("cpu", StringComparison.Ordinal) && char.IsAsciiDigit(l[3]));
        Assert.Equal(cpus, cpu.Select(c => c.Series.Label("cpu")).Distinct().Count());
        Assert.Contains(cpu, c => c.Series.Label("mode") == "idle" && c.Value > 0);
        Assert.All(cpu, c => Assert.Equal($"127.0.0.1:{_metrics.Port}", c.Series.Label("instance")));
        Assert.All(cpu, c => Assert.Equal("node", c.Series.Label("job")));
        Assert.True(Assert.Single(scraper.Latest("node", "node_memory_MemTotal_bytes")).Value > 0);
        Assert.Single(scraper.Latest("node", "node_load1"));
        Assert.True(health.Samples > 50, $"{health.Samples} samples");
    }
}
