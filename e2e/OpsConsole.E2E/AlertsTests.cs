using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;

namespace OpsConsole.E2E;

/// <summary>
/// Alerting end to end: the console started as ./run.sh starts it (SampleShop beside it, its default rules) plus a test
/// rule file with a short <c>for</c>, evaluated every 2 s over scrapes every 2 s. SampleShop is made to fail (its error
/// burst endpoint); the error-ratio alert fires and shows on /alerts, the services tile, the rules page and a paired
/// wall (which chimes); one person acknowledges it and another sees that live; a silence takes it off the wall.
/// </summary>
public sealed class AlertsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Alert = "SampleShopErrorBurst";

    /// <summary>Over a 20 s window, more than 30 % of SampleShop's requests failing with a 5xx, for 4 s.</summary>
    private const string RuleFile = """
        groups:
          - name: e2e
            rules:
              - alert: SampleShopErrorBurst
                expr: |
                  sum by (job) (rate(http_requests_received_total{job="sampleshop", code=~"5.."}[20s]))
                    / sum by (job) (rate(http_requests_received_total{job="sampleshop"}[20s]))
                    > 0.3
                for: 4s
                labels:
                  severity: critical
                annotations:
                  summary: "{{ $labels.job }}: {{ $value | humanizePercentage }} of requests fail"
                  runbook_url: "docs/runbooks/sampleshop.md#higherrorratio"
        """;

    private readonly string dataDirectory = ConsoleProcess.NewDataDirectory();
    private readonly string ruleDirectory = Directory.CreateTempSubdirectory("opsconsole-e2e-rules-").FullName;
    private readonly Uri shop = new($"http://127.0.0.1:{ConsoleProcess.FreePort().ToString(CultureInfo.InvariantCulture)}/");
    private ConsoleProcess console = null!;

    public async Task InitializeAsync()
    {
        var ruleFile = Path.Combine(ruleDirectory, "e2e.rules.yml");
        await File.WriteAllTextAsync(ruleFile, RuleFile);
        console = await ConsoleProcess.StartAsync(dataDirectory, "alerts", new Dictionary<string, string>
        {
            ["Demo__Enabled"] = "true",
            ["Demo__Urls"] = shop.ToString().TrimEnd('/'),
            ["Metrics__ScrapeInterval"] = "00:00:02",
            ["Metrics__ScrapeTimeout"] = "00:00:01",
            ["Alerts__RuleFiles__0"] = ruleFile, // the demo appends SampleShop's default rules after it
            ["Alerts__EvaluationInterval"] = "00:00:02",
            ["Wall__AlertSound"] = "true",
            // SampleShop reads these from the environment its supervisor passes on: the burst endpoint, and no
            // rate-limit bursts (their 429s would fire the default RateLimitRejections rule within the test).
            ["SampleShop__Faults__ControlEndpoint"] = "true",
            ["SampleShop__Traffic__BurstRequests"] = "0",
        });
    }

    public async Task DisposeAsync()
    {
        await console.StopAsync();
        await console.DisposeAsync();
        ConsoleProcess.DeleteDataDirectory(dataDirectory);
        Directory.Delete(ruleDirectory, recursive: true);
    }

    [Fact]
    public async Task An_error_burst_fires_an_alert_seen_everywhere_acknowledged_live_and_silenced_off_the_wall()
    {
        await using var chromium = await Chromium.LaunchAsync();
        // The wall is a kiosk browser that may play sound without a click.
        await using var kiosk = await Chromium.LaunchAsync("--autoplay-policy=no-user-gesture-required");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var oncallPassword = await console.CreateUserAsync("oncall", "OnCall");
        var pairingUrl = await console.NewDisplayAsync("Ops TV");

        await using var admin = await chromium.OpenAsync(console.BaseAddress, 1920, 1080);
        await using var oncall = await chromium.OpenAsync(console.BaseAddress, 1366, 768);
        await using var tv = await kiosk.OpenAsync(console.BaseAddress, 1920, 1080);
        await Flows.SignInAsBootstrapAdminAsync(admin.Page, console);
        await Flows.SignInWithOneTimePasswordAsync(oncall.Page, "oncall", oncallPassword, "e2e-oncall-Password-1");
        await tv.Page.GotoAsync(pairingUrl);
        await Expect(tv.Page.GetByTestId("wall-kind")).ToHaveTextAsync("Paired display");
        await tv.Page.GotoAsync("/wall/alerts");
        await Expect(tv.Page.Locator("[data-testid=wall][data-interactive=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var wallCount = tv.Page.GetByTestId("wall-alert-count");

        // SampleShop is scraped and healthy, and nothing notifies yet.
        await admin.Page.GotoAsync("/services");
        var tile = admin.Page.Locator("[data-testid=service-tile][data-service=sampleshop]");
        await Expect(tile).ToHaveAttributeAsync("data-state", "healthy", new() { Timeout = 60_000 });
        await Expect(wallCount).ToHaveAttributeAsync("data-count", "0");
        await Expect(tv.Page.GetByTestId("wall-alert-list")).ToContainTextAsync("No alerts firing");
        await tv.Page.GotoAsync("/wall/status"); // the board on the wall says the same
        await Expect(tv.Page.GetByTestId("wall-status")).ToHaveAttributeAsync("data-state", "ok", new() { Timeout = 30_000 });
        await Screenshots.SaveAsync(tv.Page, "wall-status-clear-1920x1080.png", output);
        await tv.Page.GotoAsync("/wall/alerts");
        await Expect(tv.Page.Locator("[data-testid=wall][data-interactive=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });

        // The Overview says so plainly, on a laptop screen.
        var board = await admin.Page.Context.NewPageAsync();
        await board.SetViewportSizeAsync(1366, 768);
        await Flows.OpenInteractiveAsync(board, "/");
        await Flows.MarkPageAsync(board);
        var summary = board.GetByTestId("board-summary");
        var boardShop = board.Locator("[data-testid=board-service][data-service=sampleshop]");
        await Expect(summary).ToHaveAttributeAsync("data-state", "ok", new() { Timeout = 30_000 });
        await Expect(board.GetByTestId("all-clear")).ToHaveTextAsync("All clear");
        await Expect(boardShop).ToHaveAttributeAsync("data-state", "healthy");
        await Screenshots.SaveAsync(board, "board-clear-1366x768.png", output);

        await Flows.OpenInteractiveAsync(oncall.Page, "/alerts");
        await Flows.MarkPageAsync(oncall.Page);

        // The burst: every API request SampleShop answers fails with 500 for ten minutes.
        using (var started = await http.PostAsJsonAsync(new Uri(shop, "admin/faults/error-burst"), new { rate = 1.0, duration = "00:10:00" }))
        {
            Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());
        }

        var burst = Stopwatch.StartNew();

        // It fires: on the services tile (live, no reload) …
        var mark = tile.GetByTestId("tile-alert");
        await Expect(mark).ToBeVisibleAsync(new() { Timeout = 90_000 });
        output.WriteLine($"tile marked {burst.Elapsed.TotalSeconds:0.0} s after the burst started");
        await Expect(mark).ToHaveAttributeAsync("data-severity", "critical");
        await Expect(tile.GetByTestId("tile-alert-name")).ToHaveTextAsync(Alert);
        await Expect(tile).ToHaveAttributeAsync("data-state", "critical"); // the alert's severity is the service's state
        await Screenshots.SaveAsync(admin.Page, "alerts-services-1920x1080.png", output);

        // … on the Overview, live: the summary, the alert with its age, and the service critical with the reason.
        await Expect(summary).ToHaveAttributeAsync("data-state", "critical", new() { Timeout = 10_000 });
        await Expect(boardShop).ToHaveAttributeAsync("data-state", "critical");
        await Expect(boardShop.GetByTestId("board-service-reason")).ToContainTextAsync(Alert);
        await Expect(board.Locator($"[data-testid=board-alert][data-alert={Alert}]")).ToContainTextAsync("not acknowledged");
        Assert.True(await Flows.IsSamePageAsync(board), "the board reloaded instead of following live");
        await Screenshots.SaveAsync(board, "board-trouble-1366x768.png", output);

        // … on the wall, with its count in the header and a chime the kiosk may play …
        await Expect(wallCount).ToHaveAttributeAsync("data-count", "1", new() { Timeout = 10_000 });
        var row = tv.Page.Locator($"[data-testid=wall-firing][data-alert={Alert}]");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.GetByTestId("wall-firing-service")).ToHaveTextAsync("sampleshop");
        await Expect(row.GetByTestId("wall-firing-summary")).ToContainTextAsync("sampleshop: ");
        await Expect(row.GetByTestId("wall-firing-ack")).ToHaveTextAsync("not acknowledged");
        await Expect(tv.Page.GetByTestId("wall")).ToHaveAttributeAsync("data-alert-sound", "played", new() { Timeout = 10_000 });

        // … on /alerts for the other person, live …
        var oncallRow = oncall.Page.Locator($"[data-testid=alert-row][data-alert-name={Alert}]");
        await Expect(oncallRow).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Expect(oncallRow.GetByTestId("alert-state")).ToHaveTextAsync("firing");

        // Its row links its service and its runbook: the SampleShop runbook from the repository's docs opens in a new
        // tab as a rendered page, at the rule's section, and the alert list stays where it was.
        await Expect(oncallRow.GetByTestId("alert-service")).ToHaveAttributeAsync("href", "/services/sampleshop");
        var runbook = await oncall.Context.RunAndWaitForPageAsync(() => oncallRow.GetByTestId("alert-runbook").ClickAsync());
        await Expect(runbook.Locator("[data-testid=runbook] h1")).ToHaveTextAsync("SampleShop runbooks");
        await Expect(runbook.Locator("[data-testid=runbook] h2#higherrorratio")).ToBeInViewportAsync();
        Assert.EndsWith("/runbooks/sampleshop.md#higherrorratio", runbook.Url, StringComparison.Ordinal);
        await runbook.EvaluateAsync("() => window.scrollTo(0, 0)"); // a full-page picture from the top: the app bar stays at the top
        await Screenshots.SaveAsync(runbook, "alerts-runbook-1366x768.png", output);
        await runbook.CloseAsync();
        Assert.True(await Flows.IsSamePageAsync(oncall.Page), "following the runbook link reloaded the alerts page");

        // … and on the rules page, with its rule healthy and the firing match.
        await admin.Page.GotoAsync("/rules");
        var rule = admin.Page.Locator($"[data-testid=rule][data-rule={Alert}]");
        await Expect(rule).ToHaveAttributeAsync("data-health", "ok");
        await Expect(rule.Locator("[data-testid=rule-match][data-state=firing]")).ToContainTextAsync("job=sampleshop");
        // The demo's rule file is the repository's, where an edit survives a rebuild (not a copy under bin/).
        await Expect(admin.Page.Locator("[data-testid=rule-group][data-group=sampleshop] [data-testid=rule-group-meta]"))
            .ToContainTextAsync("src/OpsConsole.Web/rules/sampleshop.rules.yml");
        await Expect(admin.Page.GetByTestId("rules-engine")).ToHaveTextAsync("console");
        await Flows.WaitForInteractiveAsync(admin.Page); // typing into a prerendered page would be lost
        await admin.Page.GetByTestId("rule-test-expr").FillAsync("sum by (code) (rate(http_requests_received_total{job=\"sampleshop\"}[20s]))");
        await admin.Page.GetByTestId("rule-test-run").ClickAsync();
        await Expect(admin.Page.Locator("[data-testid=rule-test-sample]").Filter(new() { HasText = "code=\"500\"" })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(admin.Page, "rules-1920x1080.png", output);

        // One person acknowledges it from its row (the row's button, not the row: the detail stays closed) …
        await Flows.OpenInteractiveAsync(admin.Page, "/alerts");
        var adminRow = admin.Page.Locator($"[data-testid=alert-row][data-alert-name={Alert}]");
        await adminRow.GetByTestId("row-ack").ClickAsync();
        await Expect(adminRow.GetByTestId("alert-ack")).ToContainTextAsync("acknowledged by admin");
        var acked = Stopwatch.StartNew();
        await Expect(adminRow.GetByTestId("row-ack")).ToHaveCountAsync(0);
        await Expect(admin.Page.GetByTestId("alert-drawer")).ToHaveCountAsync(0);
        Assert.EndsWith("/alerts", admin.Page.Url, StringComparison.Ordinal);

        // … the other sees it without a reload, and so does the wall.
        await Expect(oncallRow.GetByTestId("alert-ack")).ToContainTextAsync("acknowledged by admin", new() { Timeout = 10_000 });
        output.WriteLine($"the ack reached the second browser after {acked.Elapsed.TotalSeconds:0.0} s");
        Assert.True(await Flows.IsSamePageAsync(oncall.Page), "the second browser reloaded");
        await Screenshots.SaveAsync(oncall.Page, "alerts-firing-1366x768.png", output);
        await Expect(row.GetByTestId("wall-firing-ack")).ToHaveTextAsync("acknowledged by admin", new() { Timeout = 10_000 });
        await Screenshots.SaveAsync(tv.Page, "wall-alerts-firing-1920x1080.png", output);
        await AssertFitsAsync(tv.Page, "wall alerts at 1920x1080");
        await tv.Page.SetViewportSizeAsync(3840, 2160);
        await AssertFitsAsync(tv.Page, "wall alerts at 3840x2160");
        await Screenshots.SaveAsync(tv.Page, "wall-alerts-firing-3840x2160.png", output);
        await tv.Page.GotoAsync("/wall/services"); // the tile carries the mark on the wall too
        await Expect(tv.Page.Locator("[data-testid=service-tile][data-service=sampleshop] [data-testid=tile-alert-name]")).ToHaveTextAsync(Alert, new() { Timeout = 30_000 });
        await AssertFitsAsync(tv.Page, "wall services at 3840x2160");
        await Screenshots.SaveAsync(tv.Page, "wall-services-alert-3840x2160.png", output);
        await tv.Page.SetViewportSizeAsync(1920, 1080);
        await AssertFitsAsync(tv.Page, "wall services at 1920x1080");
        await Screenshots.SaveAsync(tv.Page, "wall-services-alert-1920x1080.png", output);
        await tv.Page.GotoAsync("/wall/status");
        await Expect(tv.Page.GetByTestId("wall-status")).ToHaveAttributeAsync("data-state", "critical", new() { Timeout = 30_000 });
        await Expect(tv.Page.Locator($"[data-testid=wall-status-service][data-service=sampleshop]")).ToHaveAttributeAsync("data-state", "critical");
        await AssertFitsAsync(tv.Page, "wall status at 1920x1080");
        await Screenshots.SaveAsync(tv.Page, "wall-status-trouble-1920x1080.png", output);
        await tv.Page.GotoAsync("/wall/alerts");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 30_000 });

        // The operator screens while it fires, for a person to look at.
        await ScreensAtOperatorSizesAsync(admin.Page);

        // The burst ends. The tile and the Overview stay critical while the alert fires, and turn healthy with its
        // resolution, never before (the service's state is its alert's, not a threshold of the tile's own).
        using (var ended = await http.DeleteAsync(new Uri(shop, "admin/faults/error-burst")))
        {
            Assert.True(ended.IsSuccessStatusCode);
        }

        await Expect(boardShop).ToHaveAttributeAsync("data-state", "healthy", new() { Timeout = 60_000 });
        await Expect(summary).ToHaveAttributeAsync("data-state", "ok");
        await Expect(oncallRow).ToBeHiddenAsync(new() { Timeout = 10_000 }); // resolved: off the list of what fires
        Assert.True(await Flows.IsSamePageAsync(board), "the board reloaded instead of following live");

        // Burst again for the silence below: it fires anew.
        using (var again = await http.PostAsJsonAsync(new Uri(shop, "admin/faults/error-burst"), new { rate = 1.0, duration = "00:10:00" }))
        {
            Assert.True(again.IsSuccessStatusCode, await again.Content.ReadAsStringAsync());
        }

        await Expect(summary).ToHaveAttributeAsync("data-state", "critical", new() { Timeout = 90_000 });
        await Expect(oncallRow).ToBeVisibleAsync(new() { Timeout = 10_000 });

        // Silenced from its row (matchers pre-filled): it leaves the wall and its count.
        await admin.Page.SetViewportSizeAsync(1920, 1080);
        await Flows.OpenInteractiveAsync(admin.Page, "/alerts");
        await adminRow.GetByTestId("row-silence").ClickAsync();
        await admin.Page.GetByTestId("silence-comment").FillAsync("e2e: the burst is on purpose");
        await Expect(admin.Page.GetByTestId("alert-drawer")).ToHaveCountAsync(0);
        await admin.Page.GetByTestId("silence-create").ClickAsync();
        await Expect(wallCount).ToHaveAttributeAsync("data-count", "0", new() { Timeout = 10_000 });
        await Expect(tv.Page.GetByTestId("wall-alert-not-shown")).ToHaveTextAsync("1 silenced");
        await Expect(tv.Page.Locator("[data-testid=wall-firing]")).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(tv.Page, "wall-alerts-silenced-1920x1080.png", output);
        await Expect(oncallRow).ToBeHiddenAsync(new() { Timeout = 10_000 }); // silenced alerts are listed under a filter only
        // The app bar and the page's header count it the same way, and say why it no longer counts as firing.
        await Expect(oncall.Page.GetByTestId("alert-badge-text")).ToContainTextAsync("1 silenced");
        await Expect(oncall.Page.GetByTestId("alerts-counts")).ToContainTextAsync("firing, 1 silenced");
        await admin.Page.GotoAsync("/services");
        await Expect(tile.GetByTestId("tile-alert")).ToHaveCountAsync(0);
        await Expect(tile).ToHaveAttributeAsync("data-state", "healthy"); // silenced: it no longer colours the service

        using (var ended = await http.DeleteAsync(new Uri(shop, "admin/faults/error-burst")))
        {
            Assert.True(ended.IsSuccessStatusCode);
        }

        admin.Log.AssertClean();
        oncall.Log.AssertClean();
        tv.Log.AssertClean();
    }

    /// <summary>The screens this test touches, at a laptop's and a desktop's size, for a person to look at.</summary>
    private async Task ScreensAtOperatorSizesAsync(IPage page)
    {
        foreach (var (width, height) in new[] { (1366, 768), (1920, 1080) })
        {
            await page.SetViewportSizeAsync(width, height);
            foreach (var path in new[] { "rules", "alerts", "services" })
            {
                await page.GotoAsync($"/{path}");
                await Expect(page.Locator("h1")).ToBeVisibleAsync();
                await Screenshots.SaveAsync(page, $"alerts-e2e-{path}-{width}x{height}.png", output);
            }
        }
    }

    /// <summary>No scrollbar, and every alert row inside the page.</summary>
    private static async Task AssertFitsAsync(IPage page, string what)
    {
        var scroll = await page.EvaluateAsync<int[]>(
            "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight, innerWidth, innerHeight]");
        Assert.True(scroll[0] <= scroll[2] && scroll[1] <= scroll[3],
            $"{what}: the page scrolls ({scroll[0]}x{scroll[1]} in a {scroll[2]}x{scroll[3]} viewport)");
        var outside = await page.EvaluateAsync<int>(
            "() => [...document.querySelectorAll('.wall-firing, .wall-alert-count, .wall-tile .tile-alert')].filter(e => { const r = e.getBoundingClientRect(); " +
            "return r.bottom > innerHeight + 1 || r.right > innerWidth + 1 || r.height < 8; }).length");
        Assert.True(outside == 0, $"{what}: {outside} alert elements do not fit");
    }
}
