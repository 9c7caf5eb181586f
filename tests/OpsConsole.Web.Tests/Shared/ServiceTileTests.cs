using OpsConsole.Core.Alerts;
using OpsConsole.Core.Board;
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

    private IRenderedComponent<ServiceTile> TileWithAlerts(DateTimeOffset now)
    {
        _bed.Alerts.Load();
        var alerts = ServiceHealthModel.AlertsByService(_bed.Alerts.Store.Current.Alerts).GetValueOrDefault("shop") ?? [];
        return Render<ServiceTile>(p => p.Add(t => t.Service, _bed.Overview.Find("shop")!).Add(t => t.Now, now).Add(t => t.Alerts, alerts));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(8, false)]
    [InlineData(0, true)]
    public void The_numbers_alone_never_colour_the_tile(int errors, bool slow)
    {
        _bed.Scrapes("shop", 6, errors, slow);

        var tile = Tile(_bed.Time.GetUtcNow()).Find("[data-testid=service-tile]");

        // 8 % errors or a 4.7 s p95 without an alert: healthy. The rules (with their "for") decide, not the tile.
        Assert.Equal("healthy", tile.GetAttribute("data-state"));
        Assert.Equal("healthy", tile.QuerySelector("[data-testid=tile-state]")!.TextContent);
        Assert.Equal("", tile.QuerySelector("[data-testid=tile-reason]")!.TextContent);
        Assert.Equal("6.67/s", tile.QuerySelector("[data-testid=tile-rate]")!.TextContent);
        Assert.Equal("0 s ago", tile.QuerySelector("[data-testid=tile-age]")!.TextContent);
    }

    [Theory]
    [InlineData("critical", "critical")]
    [InlineData("warning", "warning")]
    [InlineData("info", "healthy")]
    public void A_firing_alert_gives_the_tile_its_severity_and_its_reason(string severity, string state)
    {
        _bed.Scrapes("shop", 6);
        _bed.Alerts.Firing("HighErrorRatio", severity, TimeSpan.FromMinutes(6), summary: "shop: 7.2% of requests fail", labels: ("job", "shop"));

        var tile = TileWithAlerts(_bed.Time.GetUtcNow()).Find("[data-testid=service-tile]");

        Assert.Equal(state, tile.GetAttribute("data-state"));
        Assert.Contains($"tile-{state}", tile.ClassName, StringComparison.Ordinal);
        Assert.Equal("HighErrorRatio for 6 min: shop: 7.2% of requests fail", tile.QuerySelector("[data-testid=tile-reason]")!.TextContent);
    }

    [Fact]
    public void A_pending_or_silenced_alert_leaves_the_tile_healthy_and_says_so()
    {
        _bed.Scrapes("shop", 6);
        _bed.Alerts.Firing("HighErrorRatio", "critical", TimeSpan.FromMinutes(2), pending: true, labels: ("job", "shop"));
        _bed.Alerts.Firing("HighLatencyP95", "warning", TimeSpan.FromMinutes(20), labels: [("job", "shop"), ("muted", "yes")]);
        _bed.Alerts.Silence(("muted", "yes"));

        var cut = TileWithAlerts(_bed.Time.GetUtcNow());

        Assert.Equal("healthy", cut.Find("[data-testid=service-tile]").GetAttribute("data-state"));
        Assert.Equal("1 silenced (HighLatencyP95); HighErrorRatio pending 3 min", cut.Find("[data-testid=tile-reason]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=tile-alert]"));
    }

    [Fact]
    public void Turns_stale_with_the_age_of_the_last_data_when_the_target_stops_answering()
    {
        _bed.Scrapes("shop", 6);
        var down = _bed.Scrape("shop", 14, up: false); // two minutes after the last good scrape at 75 s

        var cut = Tile(_bed.Time.GetUtcNow());

        Assert.Equal(ServiceState.Stale, down.DataStateAt(_bed.Time.GetUtcNow()));
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

        var cut = TileWithAlerts(_bed.Time.GetUtcNow());

        var alert = cut.Find("[data-testid=tile-alert]");
        Assert.Equal("2 alerts warning HighLatencyP95", string.Join(' ', alert.Children.Select(c => c.TextContent)));
        Assert.Contains("tile-alert-warning", alert.ClassList);
        Assert.Equal("HighLatencyP95, TargetFlapping", alert.GetAttribute("title"));
        Assert.Equal("warning", cut.Find("[data-testid=service-tile]").GetAttribute("data-state")); // the worst notifying alert decides
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
