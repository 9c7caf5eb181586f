using OpsConsole.Core.Alerts;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Core.Metrics.Services;
using OpsConsole.Web.Features.Wall;

namespace OpsConsole.Web.Tests.Features.Wall;

public sealed class WallServicesTests : BunitContext
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(30);

    [Fact]
    public void Each_state_has_its_class_and_its_word_on_the_tile()
    {
        var cut = Render<WallServices>(p => p
            .Add(x => x.Now, Now)
            .Add(x => x.Services,
            [
                Service("checkout", lastData: Now.AddSeconds(-3), rate: 4.5, errors: 0.001, p95: 0.120),
                Service("payments", lastData: Now.AddSeconds(-3), rate: 3.2, errors: 0.02, p95: 0.300),
                Service("search", lastData: Now.AddSeconds(-3), rate: 40, errors: 0.09, p95: 2.5),
                Service("billing", lastData: Now.AddMinutes(-2), rate: 1, errors: 0, p95: 0.05),
                Service("legacy", lastData: null, up: false, error: "connection refused"),
            ])
            .Add(x => x.Alerts, new Dictionary<string, IReadOnlyList<AlertView>>
            {
                ["payments"] = [Alert("SlowPayments", "warning", "payments", "p95 above 250 ms")],
                ["search"] = [Alert("HighErrorRatio", "critical", "search", "9.0% of requests fail")],
            }));

        var tiles = cut.FindAll("[data-testid=service-tile]").ToDictionary(t => t.GetAttribute("data-service")!);
        Assert.Equal(["checkout", "payments", "search", "billing", "legacy"], tiles.Keys);
        foreach (var (service, word, text) in new[]
                 {
                     ("checkout", "healthy", "healthy"), ("payments", "warning", "warning"), ("search", "critical", "critical"),
                     ("billing", "stale", "stale"), ("legacy", "nodata", "no data"),
                 })
        {
            var tile = tiles[service];
            Assert.Contains("wall-tile", tile.ClassList);
            Assert.Contains($"tile-{word}", tile.ClassList);
            Assert.Equal(word, tile.GetAttribute("data-state"));
            Assert.Equal(text, tile.QuerySelector("[data-testid=tile-state]")!.TextContent); // a word, never colour alone
            Assert.Null(tile.GetAttribute("href")); // nothing to click on a wall
        }

        Assert.Equal("4.5/s", tiles["checkout"].QuerySelector("[data-testid=tile-rate]")!.TextContent);
        Assert.Equal("9.0 %", tiles["search"].QuerySelector("[data-testid=tile-errors]")!.TextContent);
        Assert.Equal("2.5 s", tiles["search"].QuerySelector("[data-testid=tile-p95]")!.TextContent);
        Assert.Equal("HighErrorRatio for 5 min: 9.0% of requests fail", tiles["search"].QuerySelector("[data-testid=tile-reason]")!.TextContent);
        Assert.Equal("stale — last data 2 min ago", tiles["billing"].QuerySelector("[data-testid=tile-stale]")!.TextContent);
        Assert.Equal("connection refused", tiles["legacy"].QuerySelector("[data-testid=tile-reason]")!.TextContent);
        Assert.Empty(tiles["checkout"].QuerySelectorAll("[data-testid=tile-stale]"));
    }

    [Fact]
    public void The_grid_has_as_many_cells_as_the_tiles_need()
    {
        var cut = Render<WallServices>(p => p
            .Add(x => x.Now, Now)
            .Add(x => x.Services, [.. Enumerable.Range(1, 5).Select(i => Service($"s{i}", Now, 1, 0, 0.1))]));

        var grid = cut.Find("[data-testid=wall-grid]");
        Assert.Equal("3", grid.GetAttribute("data-columns"));
        Assert.Equal("2", grid.GetAttribute("data-rows"));
        Assert.Contains("--wall-columns: 3", grid.GetAttribute("style"), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_services_it_says_why()
    {
        var none = Render<WallServices>(p => p.Add(x => x.Now, Now).Add(x => x.Services, []));
        Assert.Equal("No scrape targets are configured (Metrics:Targets).", none.Find("[data-testid=wall-no-services]").TextContent.Trim());

        var unknown = Render<WallServices>(p => p.Add(x => x.Now, Now).Add(x => x.Services, []).Add(x => x.Named, ["ledger", "fx"]));
        Assert.Equal("None of ledger, fx is a configured service.", unknown.Find("[data-testid=wall-no-services]").TextContent.Trim());
    }

    internal static ServiceSnapshot Service(
        string name, DateTimeOffset? lastData, double rate = double.NaN, double errors = double.NaN, double p95 = double.NaN,
        bool up = true, string? error = null)
    {
        var health = new TargetHealth(name, $"http://{name}:9100/metrics", up, lastData, TimeSpan.FromMilliseconds(10), 10, 10, error, 1, up ? 0 : 1);
        double[] Series(double value) => lastData is null ? [] : [value, value];
        long[] times = lastData is { } t ? [t.AddSeconds(-15).ToUnixTimeMilliseconds(), t.ToUnixTimeMilliseconds()] : [];
        var history = new SignalSeries(times, Series(rate), Series(errors), Series(p95), Series(0.2), Series(1e8), Series(double.NaN));
        return new ServiceSnapshot(name, health, history, lastData, StaleAfter);
    }

    private static AlertView Alert(string name, string severity, string job, string summary) => new(
        1, AlertSource.Rule, LabelSet.Of(("alertname", name), ("severity", severity), ("job", job)), new Dictionary<string, string> { ["summary"] = summary },
        AlertState.Firing, Now.AddMinutes(-6), Now.AddMinutes(-5), null, null, 1, null, "test", null, null, [], null, Now);
}
