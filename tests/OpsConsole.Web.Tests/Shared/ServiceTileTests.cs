using OpsConsole.Core.Alerts;
using OpsConsole.Core.Metrics.Services;
using OpsConsole.Web.Shared;
using OpsConsole.Web.Tests.Features.Metrics.Services;

namespace OpsConsole.Web.Tests.Shared;

public sealed class ServiceTileTests : BunitContext
{
    private readonly ServicesTestBed _bed = new("shop");

    public ServiceTileTests() => _bed.Register(Services);

    private IRenderedComponent<ServiceTile> Tile(DateTimeOffset now) =>
        Render<ServiceTile>(p => p.Add(t => t.Service, _bed.Overview.Find("shop")!).Add(t => t.Now, now));

    [Theory]
    [InlineData(0, false, "healthy", "")]
    [InlineData(2, false, "warning", "error ratio 2.0 % ≥ 1 %")]
    [InlineData(8, false, "critical", "error ratio 8.0 % ≥ 5 %")]
    [InlineData(0, true, "critical", "p95 4755 ms ≥ 2000 ms")]
    public void Shows_the_state_as_a_word_and_a_class_with_the_reason(int errors, bool slow, string state, string reason)
    {
        _bed.Scrapes("shop", 6, errors, slow);

        var tile = Tile(_bed.Time.GetUtcNow()).Find("[data-testid=service-tile]");

        Assert.Equal(state, tile.GetAttribute("data-state"));
        Assert.Contains($"tile-{state}", tile.ClassName, StringComparison.Ordinal);
        Assert.Equal(state, tile.QuerySelector("[data-testid=tile-state]")!.TextContent);
        Assert.Equal(reason, tile.QuerySelector("[data-testid=tile-reason]")!.TextContent);
        Assert.Equal("6.67/s", tile.QuerySelector("[data-testid=tile-rate]")!.TextContent);
        Assert.Equal("0 s ago", tile.QuerySelector("[data-testid=tile-age]")!.TextContent);
    }

    [Fact]
    public void Turns_stale_with_the_age_of_the_last_data_when_the_target_stops_answering()
    {
        _bed.Scrapes("shop", 6);
        var down = _bed.Scrape("shop", 14, up: false); // two minutes after the last good scrape at 75 s

        var cut = Tile(_bed.Time.GetUtcNow());

        Assert.Equal(ServiceState.Stale, down.StateAt(_bed.Time.GetUtcNow()));
        Assert.Equal("stale", cut.Find("[data-testid=service-tile]").GetAttribute("data-state"));
        Assert.Equal("stale — last data 2 min ago", cut.Find("[data-testid=tile-stale]").TextContent);
        Assert.Equal("connection refused", cut.Find("[data-testid=tile-reason]").TextContent);
    }

    [Fact]
    public void A_service_never_scraped_says_no_data_without_numbers()
    {
        var cut = Tile(ServicesTestBed.Start);

        Assert.Equal("nodata", cut.Find("[data-testid=service-tile]").GetAttribute("data-state"));
        Assert.Equal("no data", cut.Find("[data-testid=tile-state]").TextContent);
        Assert.Equal("—", cut.Find("[data-testid=tile-rate]").TextContent);
        Assert.Equal("no data yet", cut.Find("[data-testid=tile-age]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=sparkline] polyline"));
    }

    [Fact]
    public void An_alert_mark_shows_the_count_the_worst_severity_as_a_word_and_the_first_alerts_name()
    {
        _bed.Scrapes("shop", 6);
        _bed.Alerts.Firing("HighLatencyP95", "warning", TimeSpan.FromMinutes(20), labels: ("job", "shop"));
        _bed.Alerts.Firing("TargetFlapping", "info", TimeSpan.FromMinutes(30), labels: ("job", "shop"));
        _bed.Alerts.Load();
        var mark = ServiceAlerts.ByService(_bed.Alerts.Store.Current.Alerts)["shop"];

        var cut = Render<ServiceTile>(p => p.Add(t => t.Service, _bed.Overview.Find("shop")!).Add(t => t.Now, _bed.Time.GetUtcNow()).Add(t => t.Alerts, mark));

        var alert = cut.Find("[data-testid=tile-alert]");
        Assert.Equal("2 alerts warning HighLatencyP95", string.Join(' ', alert.Children.Select(c => c.TextContent)));
        Assert.Contains("tile-alert-warning", alert.ClassList);
        Assert.Equal("HighLatencyP95, TargetFlapping", alert.GetAttribute("title"));
        Assert.Equal("healthy", cut.Find("[data-testid=service-tile]").GetAttribute("data-state")); // the metrics decide the state
    }

    [Fact]
    public void Without_alerts_there_is_no_mark()
    {
        _bed.Scrapes("shop", 6);

        var cut = Tile(_bed.Time.GetUtcNow());

        Assert.Empty(cut.FindAll("[data-testid=tile-alert]"));
        Assert.Equal("0", cut.Find("[data-testid=service-tile]").GetAttribute("data-alerts"));
    }
}
