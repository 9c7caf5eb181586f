using OpsConsole.Web.Components.Pages.Services;

namespace OpsConsole.Web.Tests.Components.Pages.Services;

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

        cut.WaitForAssertion(() => Assert.Equal("critical", cut.Find("[data-service=shop]").GetAttribute("data-state")), Timeout);
        Assert.Equal("nodata", cut.Find("[data-service=billing]").GetAttribute("data-state"));
        Assert.Single(cut.FindAll("[data-service=shop] [data-testid=sparkline] polyline"));

        await DisposeComponentsAsync();
        Assert.Equal(0, _bed.SubscribersOfUpdates);
    }
}
