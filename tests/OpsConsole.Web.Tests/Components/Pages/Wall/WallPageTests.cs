using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Services;
using OpsConsole.Core.Wall;
using Bunit.TestDoubles;
using OpsConsole.Web.Components.Pages.Wall;

namespace OpsConsole.Web.Tests.Components.Pages.Wall;

public sealed class WallPageTests : BunitContext
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly DateTimeOffset Start = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly LiveEventBus _bus = new();
    private readonly FakeTimeProvider _time = new(Start);
    private readonly WallOptions _options = new() { RotateEvery = TimeSpan.FromSeconds(10) };
    private readonly BunitAuthorizationContext _auth;
    private WallOverview? _overview;

    public WallPageTests()
    {
        Services.AddSingleton<ILiveEvents>(_bus);
        Services.AddSingleton<TimeProvider>(_time);
        Services.AddSingleton(new ConsoleAlertBoard(_bus, _time));
        Services.AddSingleton<IOptions<WallOptions>>(Options.Create(_options));
        Services.AddSingleton<ServiceOverview>(_ => _overview!.Overview);
        _auth = AddAuthorization();
        _auth.SetAuthorized("Lobby TV");
        _auth.SetRoles(ConsoleRoles.Display);
        _auth.SetClaims(new Claim(ConsoleClaims.DisplayId, Guid.NewGuid().ToString()));
        Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true)); // last: it builds the service provider
    }

    [Fact]
    public void Rotates_through_the_playlist_in_the_page_with_a_filling_progress_ring()
    {
        UseServices("checkout");
        var cut = Render<WallPage>();

        Assert.Equal("Lobby TV", cut.Find("[data-testid=wall-name]").TextContent);
        Assert.Equal("Paired display", cut.Find("[data-testid=wall-kind]").TextContent);
        Assert.Equal("services", Page(cut));
        Assert.Equal("Services", cut.Find("[data-testid=wall-page-title]").TextContent);
        Assert.Single(cut.FindAll("[data-testid=service-tile]"));
        Assert.Equal("0.00", Ring(cut));

        Advance(TimeSpan.FromSeconds(5));
        cut.WaitForAssertion(() => Assert.Equal("0.50", Ring(cut)), Timeout);
        Assert.Equal("next page in 5 s", cut.Find("[data-testid=wall-progress]").GetAttribute("aria-label"));
        Assert.Equal("services", Page(cut));

        Advance(TimeSpan.FromSeconds(5));
        cut.WaitForAssertion(() => Assert.Equal("alerts", Page(cut)), Timeout);
        Assert.Equal("0.00", Ring(cut)); // a new ring for the new page
        Assert.Equal("No console alerts", cut.Find("[data-testid=wall-alerts]").TextContent.Trim());
        Assert.Contains("wall-alerts-full", cut.Find("[data-testid=wall-alerts]").ClassList);
        Assert.Single(cut.FindAll("[data-testid=wall-alerts]")); // no strip under the alerts page

        Advance(TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Equal("clock", Page(cut)), Timeout);
        Assert.Equal("10:00:20", cut.Find("[data-testid=wall-clock]").TextContent.Replace(" ", "", StringComparison.Ordinal));
        Assert.Contains("1 service", cut.Find("[data-testid=wall-summary]").TextContent, StringComparison.Ordinal);

        Advance(TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Equal("services", Page(cut)), Timeout);
    }

    [Fact]
    public void More_services_than_fit_become_parts_of_the_services_page()
    {
        _options.MaxTilesPerPage = 2;
        _options.Pages = [new WallPageOptions { Kind = "Services" }, new WallPageOptions { Kind = "clock", Title = "Time" }];
        UseServices("a", "b", "c");
        var cut = Render<WallPage>();

        Assert.Equal("Services 1/2", cut.Find("[data-testid=wall-page-title]").TextContent);
        Assert.Equal(["a", "b"], Tiles(cut));

        Advance(TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Equal("Services 2/2", cut.Find("[data-testid=wall-page-title]").TextContent), Timeout);
        Assert.Equal(["c"], Tiles(cut));

        Advance(TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Equal("Time", cut.Find("[data-testid=wall-page-title]").TextContent), Timeout);
    }

    [Fact]
    public void A_renewed_authentication_state_does_not_start_the_playlist_over_but_a_new_pin_does()
    {
        UseServices("checkout");
        var cut = Render<WallPage>();
        Advance(TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Equal("alerts", Page(cut)), Timeout);

        // The circuit's revalidation renews the cascading authentication state now and then.
        var renders = cut.RenderCount;
        _auth.SetAuthorized("Lobby TV");
        cut.WaitForAssertion(() => Assert.True(cut.RenderCount > renders), Timeout);
        Assert.Equal("alerts", Page(cut));

        cut.Render(p => p.Add(x => x.Pin, "clock"));
        Assert.Equal("clock", Page(cut));
        cut.Render(p => p.Add(x => x.Pin, null));
        Assert.Equal("services", Page(cut));
    }

    [Fact]
    public void A_pinned_wall_shows_one_page_without_a_ring_or_rotation()
    {
        UseServices("checkout");
        var cut = Render<WallPage>(p => p.Add(x => x.Pin, "alerts"));

        Assert.Equal("alerts", Page(cut));
        Assert.Empty(cut.FindAll("[data-testid=wall-progress]"));
        var clock = cut.Find("[data-testid=wall-clock]").TextContent;
        Advance(TimeSpan.FromSeconds(30));
        cut.WaitForAssertion(() => Assert.NotEqual(clock, cut.Find("[data-testid=wall-clock]").TextContent), Timeout);
        Assert.Equal("alerts", Page(cut));

        var byPosition = Render<WallPage>(p => p.Add(x => x.Pin, "3"));
        Assert.Equal("clock", Page(byPosition));

        var unknown = Render<WallPage>(p => p.Add(x => x.Pin, "weather"));
        Assert.Contains("No wall page \"weather\"", unknown.Find("[data-testid=wall-no-page]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Last_updated_turns_red_when_the_data_goes_stale_and_back_when_a_scrape_arrives()
    {
        UseServices("checkout");
        _overview!.Scraped("checkout");
        var cut = Render<WallPage>(p => p.Add(x => x.Pin, "services"));

        Assert.Equal("false", Updated(cut).GetAttribute("data-stale"));
        Assert.Equal("updated 0 s ago", Updated(cut).QuerySelector(".wall-updated-live")!.TextContent);
        Assert.Equal("healthy", cut.Find("[data-testid=service-tile]").GetAttribute("data-state"));

        // Two scrape intervals without a scrape: the data is stale, and the wall says so without any event.
        Advance(TimeSpan.FromSeconds(31));
        cut.WaitForAssertion(() => Assert.Equal("true", Updated(cut).GetAttribute("data-stale")), Timeout);
        Assert.Contains("wall-updated-stale", Updated(cut).ClassList);
        Assert.Equal("updated 31 s ago", Updated(cut).QuerySelector(".wall-updated-live")!.TextContent);
        Assert.Equal("stale", cut.Find("[data-testid=service-tile]").GetAttribute("data-state"));

        _overview.Scraped("checkout"); // the live path: the overview publishes, the wall re-reads
        cut.WaitForAssertion(() => Assert.Equal("false", Updated(cut).GetAttribute("data-stale")), Timeout);
        Assert.Equal("healthy", cut.Find("[data-testid=service-tile]").GetAttribute("data-state"));
    }

    [Fact]
    public async Task Subscribes_to_the_services_overview_while_shown_and_not_after_dispose()
    {
        UseServices("checkout");
        Render<WallPage>();

        Assert.Equal(1, _bus.Statistics.Topics[ServiceTopics.Updated.Name].Subscribers);
        Assert.Equal(1, _bus.Statistics.Topics[ConsoleAlertTopics.Changed.Name].Subscribers); // the strip

        await DisposeComponentsAsync();

        Assert.Equal(0, _bus.Statistics.Topics[ServiceTopics.Updated.Name].Subscribers);
        Assert.Equal(0, _bus.Statistics.Topics[ConsoleAlertTopics.Changed.Name].Subscribers);
        Assert.Equal(0, _bus.Statistics.Subscribers);
    }

    private void UseServices(params string[] names) => _overview = new WallOverview(_bus, _time, names);

    /// <summary>Moves the fake clock one second at a time, as the page's one-second ticker sees it.</summary>
    private void Advance(TimeSpan by)
    {
        for (var i = 0; i < (int)by.TotalSeconds; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private static string? Page(IRenderedComponent<WallPage> cut) => cut.Find("[data-testid=wall]").GetAttribute("data-wall-page");

    private static string? Ring(IRenderedComponent<WallPage> cut) => cut.Find("[data-testid=wall-progress]").GetAttribute("data-progress");

    private static AngleSharp.Dom.IElement Updated(IRenderedComponent<WallPage> cut) => cut.Find("[data-testid=wall-updated]");

    private static List<string?> Tiles(IRenderedComponent<WallPage> cut) =>
        [.. cut.FindAll("[data-testid=service-tile]").Select(t => t.GetAttribute("data-service"))];

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _overview?.Dispose();
    }
}
