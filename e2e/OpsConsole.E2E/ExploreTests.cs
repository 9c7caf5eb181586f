using System.Globalization;
using System.Text.RegularExpressions;

namespace OpsConsole.E2E;

/// <summary>
/// Explore against the real demo platform: a console with SampleShop beside it (scraped every 2 s, its traffic
/// generator on), PromQL typed into the query box and graphed by the console's own engine.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class ExploreTests(ConsoleFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private const string ByCode = "sum by (code) (rate(http_requests_received_total[1m]))";
    private readonly string dataDirectory = ConsoleProcess.NewDataDirectory();
    private ConsoleProcess console = null!;

    public async Task InitializeAsync() => console = await ConsoleProcess.StartAsync(dataDirectory, "explore", new Dictionary<string, string>
    {
        ["Demo__Enabled"] = "true",
        ["Demo__Urls"] = $"http://127.0.0.1:{ConsoleProcess.FreePort().ToString(CultureInfo.InvariantCulture)}",
        ["Metrics__ScrapeInterval"] = "00:00:02",
        ["Metrics__ScrapeTimeout"] = "00:00:01",
    });

    public async Task DisposeAsync()
    {
        await console.StopAsync();
        await console.DisposeAsync();
        ConsoleProcess.DeleteDataDirectory(dataDirectory);
    }

    [Fact]
    public async Task A_sum_by_code_typed_into_Explore_graphs_one_line_per_code_named_by_its_code_with_values_on_hover_and_service_charts_link_there()
    {
        await using var session = await BrowserSession.OpenAsync(fixture.Browser, console.BaseAddress, 1366, 768);
        var page = session.Page;
        await Flows.SignInAsBootstrapAdminAsync(page, console);
        await Flows.OpenInteractiveAsync(page, "/explore");

        // A mistyped expression: the reason and its place under the query box, nothing drawn.
        await page.Locator(".explore-query input").FillAsync("sum(rate(http_requests_received_total[1m])");
        await page.GetByTestId("run").ClickAsync();
        await Expect(page.Locator(".explore-query")).ToContainTextAsync("(line 1, column 43)");
        await Expect(page.GetByTestId("chart-explore")).ToHaveCountAsync(0);

        await page.Locator(".explore-query input").FillAsync(ByCode);
        await page.GetByTestId("run").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape($"q={Uri.EscapeDataString(ByCode)}")));

        // The page re-runs the query live, so the lines come as SampleShop's first scrapes land.
        var chart = page.GetByTestId("chart-explore");
        var keys = chart.Locator("[data-testid=chart-legend] .chart-key");
        await Expect(keys.First).ToHaveTextAsync(CodeLegend(), new() { Timeout = 60_000 });
        var legends = await keys.AllInnerTextsAsync();
        output.WriteLine($"legend: {string.Join(" | ", legends)}");
        Assert.All(legends, l => Assert.Matches(CodeLegend(), l));
        Assert.Equal(legends.Count, legends.Distinct().Count());
        await Expect(chart.Locator("polyline.chart-line").First).ToBeVisibleAsync();
        Assert.Empty(await page.GetByTestId("query-error").AllAsync());

        // Hovering the newest data shows its time and each code's rate there.
        var plot = chart.Locator("svg.chart-plot");
        var box = await plot.BoundingBoxAsync() ?? throw new InvalidOperationException("the plot has no box");
        await page.Mouse.MoveAsync(box.X + (box.Width * 0.995f), box.Y + (box.Height / 2));
        var tooltip = chart.GetByTestId("chart-tooltip");
        await Expect(tooltip).ToBeVisibleAsync();
        await Expect(tooltip.GetByTestId("chart-tooltip-time")).ToHaveTextAsync(new Regex(@"^\d\d:\d\d:\d\d UTC$"));
        // New codes may still be appearing live (each re-run can add a line), so the rows are compared with the legend
        // as it is on the page at the same instant, not with the count read above.
        await page.WaitForFunctionAsync(
            "() => { const c = document.querySelector('[data-testid=chart-explore]'); if (!c) return false;" +
            " const rows = c.querySelectorAll('[data-testid=chart-tooltip] [data-testid=chart-tooltip-row]').length;" +
            " const keys = c.querySelectorAll('[data-testid=chart-legend] .chart-key').length; return rows > 0 && rows <= keys; }",
            null, new() { Timeout = 20_000 });
        output.WriteLine($"tooltip: {(await tooltip.InnerTextAsync()).ReplaceLineEndings(" | ")}");
        await Screenshots.SaveAsync(page, "explore-1366x768.png", output);

        await page.Mouse.MoveAsync(box.X + (box.Width / 2), box.Y + box.Height + 80);
        await Expect(tooltip).ToHaveCountAsync(0);

        // A service chart opens its own PromQL in Explore, which runs it on arrival.
        await Flows.OpenInteractiveAsync(page, "/services/sampleshop");

        var link = page.GetByTestId("chart-rate").GetByTestId("chart-explore");
        await Expect(link).ToHaveAttributeAsync("href", new Regex(@"^explore\?q=sum%28rate%28http_requests_received_total%7Bjob%3D%22sampleshop%22%7D%5B\d+s%5D%29%29&range=15m$"));
        await link.ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex(@"/explore\?q=sum%28rate%28http_requests_received_total"));
        await Expect(page.Locator(".explore-query input")).ToHaveValueAsync(new Regex(@"^sum\(rate\(http_requests_received_total\{job=""sampleshop""\}\[\d+s\]\)\)$"));
        await Expect(page.GetByTestId("chart-explore").Locator("polyline.chart-line").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        session.Log.AssertClean();
    }

    [GeneratedRegex(@"^\{code=""\d{3}""\}$")]
    private static partial Regex CodeLegend();
}
