using System.Diagnostics;
using System.Globalization;

namespace OpsConsole.E2E;

/// <summary>
/// The services overview against the real demo platform: a console started the way ./run.sh starts it (demo on, so it
/// runs and scrapes SampleShop), scraping every 3 s. SampleShop is then frozen (SIGSTOP: it stops answering, and its
/// supervisor has nothing to restart) and thawed.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ServicesTests(ConsoleFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(3);
    private readonly string dataDirectory = ConsoleProcess.NewDataDirectory();
    private ConsoleProcess console = null!;

    public async Task InitializeAsync() => console = await ConsoleProcess.StartAsync(dataDirectory, "services", new Dictionary<string, string>
    {
        ["Demo__Enabled"] = "true",
        ["Demo__Urls"] = $"http://127.0.0.1:{ConsoleProcess.FreePort().ToString(CultureInfo.InvariantCulture)}",
        ["Metrics__ScrapeInterval"] = "00:00:03",
        ["Metrics__ScrapeTimeout"] = "00:00:01",
    });

    public async Task DisposeAsync()
    {
        await console.StopAsync();
        await console.DisposeAsync();
        ConsoleProcess.DeleteDataDirectory(dataDirectory);
    }

    [Fact]
    public async Task SampleShop_shows_moving_numbers_its_page_charts_them_and_its_tile_turns_stale_when_it_stops_answering()
    {
        await using var session = await BrowserSession.OpenAsync(fixture.Browser, console.BaseAddress, 1920, 1080);
        var page = session.Page;
        await Flows.SignInAsBootstrapAdminAsync(page, console);
        await page.GotoAsync("/services");
        var tile = page.Locator("[data-testid=service-tile][data-service=sampleshop]");

        // Live: the traffic generator's requests show as a rate that moves with the scrapes (no reload), with a sparkline.
        await Expect(tile).ToHaveAttributeAsync("data-state", new System.Text.RegularExpressions.Regex("^(healthy|warning|critical)$"), new() { Timeout = 60_000 });
        var rate = tile.GetByTestId("tile-rate");
        await Expect(rate).Not.ToHaveTextAsync("—", new() { Timeout = 30_000 });
        var first = await Flows.WaitForTextChangeAsync(rate, 30_000);
        await Expect(rate).Not.ToHaveTextAsync("—");
        output.WriteLine($"request rate {first} → {await rate.InnerTextAsync()}");
        await Expect(tile.Locator("[data-testid=sparkline] polyline").First).ToBeAttachedAsync();
        output.WriteLine($"sampleshop tile: {await tile.InnerTextAsync()}");
        await Screenshots.SaveAsync(page, "services-1920x1080.png", output);

        await tile.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Uri(console.BaseAddress, "services/sampleshop").ToString());
        await Expect(page.Locator("[data-testid=chart-rate] polyline.chart-line").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(page.Locator("[data-testid=chart-p95] polyline.chart-line").First).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "service-detail-1920x1080.png", output);

        await page.GotoAsync("/services");
        await Expect(tile).Not.ToHaveAttributeAsync("data-state", "stale");
        var shop = SampleShopPid();
        Signal(shop, "STOP");
        var frozen = Stopwatch.StartNew();
        try
        {
            // Within two scrape intervals of the shop going silent, its tile says so.
            await Expect(tile).ToHaveAttributeAsync("data-state", "stale", new() { Timeout = (float)(2 * ScrapeInterval).TotalMilliseconds });
            output.WriteLine($"stale after {frozen.Elapsed.TotalSeconds:0.0} s");
            await Expect(tile.GetByTestId("tile-stale")).ToContainTextAsync("stale — last data");
            await Expect(tile.GetByTestId("tile-reason")).ToContainTextAsync("timeout");
            await Screenshots.SaveAsync(page, "services-stale-1920x1080.png", output);
        }
        finally
        {
            Signal(shop, "CONT");
        }

        await Expect(tile).Not.ToHaveAttributeAsync("data-state", "stale", new() { Timeout = 20_000 });
        session.Log.AssertClean();
    }

    /// <summary>The SampleShop child of this console (its supervisor starts it as `dotnet …/SampleShop.dll`).</summary>
    private int SampleShopPid()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline"));
                var parent = File.ReadLines(Path.Combine(dir, "status")).First(l => l.StartsWith("PPid:", StringComparison.Ordinal))[5..].Trim();
                if (commandLine.Contains("SampleShop.dll", StringComparison.Ordinal) && parent == console.ProcessId.ToString(CultureInfo.InvariantCulture))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        throw new InvalidOperationException($"No SampleShop child of console {console.ProcessId}; log: {console.LogPath}");
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {pid.ToString(CultureInfo.InvariantCulture)}");
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
