using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Core.Metrics.Services;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Benchmarks;

/// <summary>
/// Scrape capacity: the console's real ScrapeService, store and services overview scraping N targets of S series each
/// over real HTTP on the configured interval; the targets are served by a child process so only the scraping side's
/// CPU is measured (Process.TotalProcessorTime over the measured window, after a warm-up that creates the series).
/// </summary>
public sealed class ScrapeHarness : IHarness
{
    public string Name => "scrape";

    public string Description => "scrape capacity: --targets 200 --series 2000 --interval 15 --seconds 60 (CPU of one core, real HTTP)";

    public async Task<int> RunAsync(string[] args)
    {
        var targets = HarnessArgs.Int(args, "--targets", 200);
        var series = HarnessArgs.Int(args, "--series", 2000);
        var interval = TimeSpan.FromSeconds(HarnessArgs.Int(args, "--interval", 15));
        var seconds = HarnessArgs.Int(args, "--seconds", 60);
        var port = OpsConsole.E2E.Infrastructure.ConsoleProcess.FreePort();

        // The same executable in "targets" mode (through the dotnet host when that is how this process runs).
        string[] childArgs = ["targets", port.ToString(CultureInfo.InvariantCulture), series.ToString(CultureInfo.InvariantCulture)];
        var viaHost = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet";
        using var server = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, viaHost ? [typeof(ScrapeHarness).Assembly.Location, .. childArgs] : childArgs)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        })!;
        try
        {
            await WaitForAsync($"http://127.0.0.1:{port}/t/0/metrics");
            var options = new MetricsOptions
            {
                ScrapeInterval = interval,
                ScrapeTimeout = TimeSpan.FromSeconds(Math.Min(10, interval.TotalSeconds)),
                Targets = [.. Enumerable.Range(0, targets).Select(i => new ScrapeTarget { Name = $"svc{i:000}", Url = $"http://127.0.0.1:{port}/t/{i}/metrics" })],
            };
            var store = new MetricStore(new MetricStoreOptions { ScrapeInterval = interval, Retention = TimeSpan.FromHours(6) });
            var services = new ServiceCollection();
            services.AddHttpClient(ScrapeService.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AutomaticDecompression = DecompressionMethods.GZip,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
            await using var provider = services.BuildServiceProvider();
            var live = new LiveEventBus();
            var scraper = new ScrapeService(Options.Create(options), store, provider.GetRequiredService<IHttpClientFactory>(), live, TimeProvider.System, NullLogger<ScrapeService>.Instance);
            using var overview = new ServiceOverview(store, scraper, live, Options.Create(new ServiceSignalsOptions()), TimeProvider.System);
            await overview.StartAsync(CancellationToken.None);
            await scraper.StartAsync(CancellationToken.None);

            Console.WriteLine($"warming up for two intervals ({2 * interval.TotalSeconds:0} s): {targets} targets x {series} series");
            await Task.Delay(interval * 2);
            var process = Process.GetCurrentProcess();
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var samplesBefore = store.SamplesTotal;
            var clock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;
            var wall = clock.Elapsed;
            var samples = store.SamplesTotal - samplesBefore;
            await scraper.StopAsync(CancellationToken.None);

            var health = scraper.Targets;
            var up = health.Count(h => h.Up);
            var meanDuration = health.Where(h => h.LastDuration is not null).Average(h => h.LastDuration!.Value.TotalMilliseconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"scrape: {targets} targets x {series} series every {interval.TotalSeconds:0} s; {up}/{targets} up; store {store.SeriesCount:N0} series, {store.BytesUsed / 1048576.0:0.0} MiB"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"scrape: {samples:N0} samples in {wall.TotalSeconds:0.0} s ({samples / wall.TotalSeconds:N0}/s); CPU {cpu.TotalSeconds:0.00} s = {cpu / wall * 100:0.0}% of one core; mean scrape {meanDuration:0.0} ms; {cpu.TotalMilliseconds * 1e6 / Math.Max(1, samples):0} ns CPU per sample"));
            return 0;
        }
        finally
        {
            server.Kill(entireProcessTree: true);
        }
    }

    private static async Task WaitForAsync(string url)
    {
        using var client = new HttpClient();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                (await client.GetAsync(new Uri(url))).EnsureSuccessStatusCode();
                return;
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100);
            }
        }
    }
}

/// <summary>(Child process of "scrape") Serves /t/{n}/metrics: S series each, counters that move on every request.</summary>
public sealed class ScrapeTargetsHarness : IHarness
{
    public string Name => "targets";

    public string Description => "(used by scrape) serve synthetic targets: <port> <series>";

    public async Task<int> RunAsync(string[] args)
    {
        var port = int.Parse(args[0], CultureInfo.InvariantCulture);
        var series = int.Parse(args[1], CultureInfo.InvariantCulture);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var requests = 0L;
        app.MapGet("/t/{n:int}/metrics", (int n) =>
        {
            var tick = Interlocked.Increment(ref requests);
            return Results.Text(Exposition(n, series, tick), "text/plain; version=0.0.4; charset=utf-8");
        });
        await app.RunAsync();
        return 0;
    }

    /// <summary>Realistic shape: counters by code/method/route, a histogram, gauges; 20 families of S/20 series.</summary>
    private static string Exposition(int target, int series, long tick)
    {
        var text = new StringBuilder(series * 90);
        var perFamily = Math.Max(1, series / 20);
        for (var family = 0; family < 20; family++)
        {
            var counter = family % 2 == 0;
            text.Append(CultureInfo.InvariantCulture, $"# HELP app_metric_{family} Synthetic family {family}.\n# TYPE app_metric_{family}{(counter ? "_total counter" : " gauge")}\n");
            for (var i = 0; i < perFamily; i++)
            {
                var value = counter ? (tick * (i + 1)) + target : Math.Sin(tick + i) * 100;
                text.Append(CultureInfo.InvariantCulture, $"app_metric_{family}{(counter ? "_total" : "")}{{route=\"/api/r{i % 50}\",code=\"{200 + (i / 50 % 4 * 100)}\",pod=\"p{i / 200}\"}} {value}\n");
            }
        }

        return text.ToString();
    }
}
