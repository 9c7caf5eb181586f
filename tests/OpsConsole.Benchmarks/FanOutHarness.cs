using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using OpsConsole.E2E.Infrastructure;

namespace OpsConsole.Benchmarks;

/// <summary>
/// Live fan-out and circuit memory against the real console process: a probe target serves a gauge that changes on
/// every scrape and records when it served each value; N Chromium pages (N circuits) on /services record, with a
/// MutationObserver, when their tile shows that value. Latency = shown − served, so it includes the scrape, parse and
/// store (an upper bound for "from stored to shown"). Memory per idle circuit = the console's managed heap and RSS
/// with N pages open minus with none, over N (minimum of 1 s readings, so garbage between collections counts less).
/// </summary>
public sealed class FanOutHarness : IHarness
{
    public string Name => "fanout";

    public string Description => "live fan-out p95 and memory per idle circuit: --pages 50 --scrapes 20 (real console, Chromium)";

    public async Task<int> RunAsync(string[] args)
    {
        var pages = HarnessArgs.Int(args, "--pages", 50);
        var scrapes = HarnessArgs.Int(args, "--scrapes", 20);
        var served = new ConcurrentDictionary<long, long>();
        var next = 0L;
        await using var probe = await StartProbeAsync(served, () => Interlocked.Increment(ref next));
        var probeUrl = probe.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        var dataDirectory = ConsoleProcess.NewDataDirectory();
        await using var console = await ConsoleProcess.StartAsync(dataDirectory, "fanout", new Dictionary<string, string>
        {
            ["Metrics__ScrapeInterval"] = "00:00:02",
            ["Metrics__ScrapeTimeout"] = "00:00:01",
            ["Metrics__ScrapeSelf"] = "false",
            ["Metrics__Targets__0__Name"] = "probe",
            ["Metrics__Targets__0__Url"] = $"{probeUrl}/metrics",
        });
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
            });
            var state = await SignInAsync(browser, console);
            using var http = new HttpClient { BaseAddress = console.BaseAddress };
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { StorageState = state, ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
            var opened = new List<IPage>();
            (long Heap, long Rss) before = default;
            for (var i = 0; i <= pages; i++)
            {
                if (i == 1)
                {
                    // The first page warms the console up (JIT, caches); the baseline is taken with it open and measured against the rest.
                    before = await MemoryAsync(http, console.ProcessId);
                }

                var page = await context.NewPageAsync();
                await page.GotoAsync($"{console.BaseAddress}services");
                await page.WaitForFunctionAsync(
                    "() => { const t = document.querySelector('[data-service=probe] [data-testid=tile-saturation]'); return !!t && [...document.querySelectorAll('[data-testid=theme-toggle]')].some(b => [...b.attributes].some(a => a.name.startsWith('_bl_'))); }",
                    null, new PageWaitForFunctionOptions { Timeout = 60_000 });
                await page.EvaluateAsync(
                    """
                    () => {
                      window.__seen = [];
                      const target = document.querySelector('[data-service=probe]');
                      new MutationObserver(() => {
                        const text = target.querySelector('[data-testid=tile-saturation]')?.textContent ?? '';
                        const m = /in flight (\d+)/.exec(text);
                        if (m && (window.__seen.length === 0 || window.__seen[window.__seen.length - 1].n !== +m[1])) window.__seen.push({ n: +m[1], t: Date.now() });
                      }).observe(target, { subtree: true, childList: true, characterData: true });
                    }
                    """);
                opened.Add(page);
            }

            Console.WriteLine($"fanout: {pages} pages open on /services; waiting for {scrapes} scrapes at 2 s");
            var first = Interlocked.Read(ref next);
            var clock = Stopwatch.StartNew();
            while (Interlocked.Read(ref next) < first + scrapes && clock.Elapsed < TimeSpan.FromSeconds(scrapes * 4))
            {
                await Task.Delay(500);
            }

            var withPages = await MemoryAsync(http, console.ProcessId);
            var latencies = new List<double>();
            var missed = 0;
            foreach (var page in opened.Skip(1))
            {
                var seen = await page.EvaluateAsync<Seen[]>("() => window.__seen");
                var shown = seen.Where(s => s.N > first).ToDictionary(s => s.N, s => s.T);
                for (var n = first + 1; n <= first + scrapes; n++)
                {
                    if (shown.TryGetValue(n, out var at) && served.TryGetValue(n, out var servedAt))
                    {
                        latencies.Add(at - servedAt);
                    }
                    else
                    {
                        missed++;
                    }
                }
            }

            latencies.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fanout: {latencies.Count:N0} tile changes over {pages} circuits (served → shown): p50 {Percentile(latencies, 0.50):0} ms, p95 {Percentile(latencies, 0.95):0} ms, p99 {Percentile(latencies, 0.99):0} ms, max {latencies.LastOrDefault():0} ms; {missed} values not seen (coalesced or late)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fanout: memory per idle /services circuit: managed heap {(withPages.Heap - before.Heap) / (double)pages / 1024:0} KiB, RSS {(withPages.Rss - before.Rss) / (double)pages / 1024:0} KiB ({pages} circuits: heap {before.Heap / 1048576.0:0} → {withPages.Heap / 1048576.0:0} MiB, RSS {before.Rss / 1048576.0:0} → {withPages.Rss / 1048576.0:0} MiB)"));
            await context.CloseAsync();
            return 0;
        }
        finally
        {
            await console.StopAsync();
            ConsoleProcess.DeleteDataDirectory(dataDirectory);
        }
    }

    /// <summary>A value a page saw and when (Playwright deserializes into settable properties).</summary>
    private sealed class Seen
    {
        public long N { get; set; }

        public long T { get; set; }
    }

    private static async Task<WebApplication> StartProbeAsync(ConcurrentDictionary<long, long> served, Func<long> next)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/metrics", () =>
        {
            var n = next();
            served[n] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            return Results.Text($"# TYPE http_requests_in_progress gauge\nhttp_requests_in_progress {n}\n", "text/plain; version=0.0.4");
        });
        await app.StartAsync();
        return app;
    }

    private static async Task<string> SignInAsync(IBrowser browser, ConsoleProcess console)
    {
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var oneTime = console.InitialAdminPassword();
        const string Password = "fan-out harness password";
        await page.GotoAsync($"{console.BaseAddress}account/login");
        await page.Locator("#username").FillAsync("admin");
        await page.Locator("#password").FillAsync(oneTime);
        await page.Locator("button[type=submit]").ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("change-password"));
        await page.Locator("#current").FillAsync(oneTime);
        await page.Locator("#new").FillAsync(Password);
        await page.Locator("#confirm").FillAsync(Password);
        await page.Locator("button[type=submit]").ClickAsync();
        await page.WaitForURLAsync(u => !u.Contains("change-password", StringComparison.Ordinal) && !u.Contains("login", StringComparison.Ordinal));
        var state = await context.StorageStateAsync();
        await context.CloseAsync();
        return state;
    }

    /// <summary>The minimum over ten 1 s readings of the console's managed heap (its /metrics) and RSS (/proc).</summary>
    private static async Task<(long Heap, long Rss)> MemoryAsync(HttpClient http, int pid)
    {
        var (heap, rss) = (long.MaxValue, long.MaxValue);
        for (var i = 0; i < 10; i++)
        {
            var text = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
            var line = text.Split('\n').First(l => l.StartsWith("dotnet_total_memory_bytes ", StringComparison.Ordinal));
            heap = Math.Min(heap, (long)double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture));
            var status = await File.ReadAllLinesAsync($"/proc/{pid}/status");
            rss = Math.Min(rss, long.Parse(status.First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024);
            await Task.Delay(1000);
        }

        return (heap, rss);
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
