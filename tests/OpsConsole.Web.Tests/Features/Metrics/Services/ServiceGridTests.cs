using OpsConsole.Web.Features.Metrics.Services;

namespace OpsConsole.Web.Tests.Features.Metrics.Services;

public sealed class ServiceGridTests : BunitContext
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly ServicesTestBed _bed = new("shop", "billing");

    public ServiceGridTests() => _bed.Register(Services);

    [Fact]
    public async Task Tiles_follow_scrapes_live_and_the_subscription_ends_with_the_grid()
    {
        var cut = Render<ServiceGrid>();
        Assert.Equal(["shop", "billing"], cut.FindAll("[data-testid=service-tile]").Select(t => t.GetAttribute("data-service")));
        Assert.Equal(1, _bed.SubscribersOfUpdates);

        _bed.Scrapes("shop", 4, errorsPer15s: 10);

        cut.WaitForAssertion(() => Assert.Equal("healthy", cut.Find("[data-service=shop]").GetAttribute("data-state")), Timeout);
        Assert.Equal("nodata", cut.Find("[data-service=billing]").GetAttribute("data-state"));
        Assert.Equal("10.0 %", cut.Find("[data-service=shop] [data-testid=tile-errors]").TextContent); // measured, not judged
        Assert.Single(cut.FindAll("[data-service=shop] [data-testid=sparkline] polyline"));

        await DisposeComponentsAsync();
        Assert.Equal(0, _bed.SubscribersOfUpdates);
    }

    [Fact]
    public async Task A_firing_alert_marks_its_services_tile_live_and_a_silenced_one_does_not()
    {
        var cut = Render<ServiceGrid>();
        Assert.Empty(cut.FindAll("[data-testid=tile-alert]"));
        Assert.Equal(1, _bed.Alerts.SubscribersOfView);

        // job names the scrape target; an ingested alert may name it by service instead.
        _bed.Alerts.Firing("HighLatencyP95", "warning", TimeSpan.FromMinutes(3), labels: ("job", "shop"));
        _bed.Alerts.Firing("HighErrorRatio", "critical", TimeSpan.FromMinutes(1), labels: ("job", "shop"));
        _bed.Alerts.Firing("CheckoutSlow", "warning", TimeSpan.FromMinutes(1), labels: ("service", "billing"));
        _bed.Alerts.Firing("DiskFilling", "warning", TimeSpan.FromMinutes(1), pending: true, labels: ("job", "billing"));
        _bed.Alerts.Publish();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=tile-alert]").Count), Timeout);
        var shop = cut.Find("[data-service=shop] [data-testid=tile-alert]");
        Assert.Equal("2", shop.GetAttribute("data-count"));
        Assert.Equal("critical", shop.GetAttribute("data-severity"));
        Assert.Equal("HighErrorRatio", shop.QuerySelector("[data-testid=tile-alert-name]")!.TextContent); // the worst first
        Assert.Contains("2 alerts", shop.TextContent, StringComparison.Ordinal);
        var billing = cut.Find("[data-service=billing] [data-testid=tile-alert]");
        Assert.Equal("1", billing.GetAttribute("data-count")); // the pending one does not count
        Assert.Equal("CheckoutSlow", billing.QuerySelector("[data-testid=tile-alert-name]")!.TextContent);
        Assert.Equal("critical", cut.Find("[data-service=shop]").GetAttribute("data-state"));
        Assert.Equal("warning", cut.Find("[data-service=billing]").GetAttribute("data-state"));

        _bed.Alerts.Silence(("service", "billing"));
        _bed.Alerts.Publish();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-service=billing] [data-testid=tile-alert]")), Timeout);
        Assert.Equal("0", cut.Find("[data-service=billing]").GetAttribute("data-alerts"));
        Assert.Equal("nodata", cut.Find("[data-service=billing]").GetAttribute("data-state")); // silenced: back to what its data says
        Assert.Equal("2", cut.Find("[data-service=shop]").GetAttribute("data-alerts"));

        await DisposeComponentsAsync();
        Assert.Equal(0, _bed.Alerts.SubscribersOfView);
    }
}
