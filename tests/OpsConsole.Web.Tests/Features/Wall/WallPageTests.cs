using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Services;
using OpsConsole.Core.Wall;
using OpsConsole.Web.Tests.Features;
using Bunit.TestDoubles;
using OpsConsole.Web.Features.Wall;

namespace OpsConsole.Web.Tests.Features.Wall;

public sealed class WallPageTests : BunitContext
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly DateTimeOffset Start = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly LiveEventBus _bus = new();
    private readonly FakeTimeProvider _time = new(Start);
    private readonly WallOptions _options = new() { RotateEvery = TimeSpan.FromSeconds(10) };
    private readonly BunitAuthorizationContext _auth;
    private readonly AlertStoreTestBed _alerts;
    private readonly OpsConsole.Core.Backups.BackupAttention _backups;
    private WallOverview? _overview;

    public WallPageTests()
    {
        _backups = new OpsConsole.Core.Backups.BackupAttention(_bus);
        _alerts = new AlertStoreTestBed(_bus, _time, new AlertStoreOptions
        {
            Inhibit = [new InhibitRuleOptions { SourceMatchers = ["alertname=TargetDown"], TargetMatchers = ["alertname=HighLatencyP95"], Equal = ["job"] }],
        });
        Services.AddSingleton(_alerts.Store);
        Services.AddSingleton<ILiveEvents>(_bus);
        Services.AddSingleton<TimeProvider>(_time);
        Services.AddSingleton(new ConsoleAlertBoard(_bus, _time));
        Services.AddSingleton(_backups);
        // The restore strip's list, never started here: no restore runs in these tests.
        Services.AddSingleton(sp => new OpsConsole.Web.Features.Restores.ActiveRestores(sp.GetRequiredService<IServiceScopeFactory>(), _bus,
            new OpsConsole.Core.Data.DatabaseState(), _time, Microsoft.Extensions.Logging.Abstractions.NullLogger<OpsConsole.Web.Features.Restores.ActiveRestores>.Instance));
        Services.AddSingleton<IOptions<WallOptions>>(Options.Create(_options));
        Services.AddSingleton<ServiceOverview>(_ => _overview!.Overview);
        Services.AddSingleton(sp => new OpsConsole.Core.Board.StatusBoard(
            _alerts.Store, sp.GetRequiredService<ConsoleAlertBoard>(), _overview!.Overview, [], _time));
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
        Assert.Equal("Alerts", cut.Find("[data-testid=wall-page-title]").TextContent);
        Assert.Equal("No alerts firing", cut.Find("[data-testid=wall-alert-list]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=wall-alerts]")); // no console-alerts strip under the alerts page

        Advance(TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Equal("clock", Page(cut)), Timeout);
        Assert.Equal("10:00:20", cut.Find("[data-testid=wall-clock]").TextContent.Replace(" ", "", StringComparison.Ordinal));
        Assert.Contains("1 service", cut.Find("[data-testid=wall-summary]").TextContent, StringComparison.Ordinal);

        Advance(TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Equal("status", Page(cut)), Timeout);

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
        Assert.Equal(1, _alerts.SubscribersOfView); // the header's count, the alerts page and the tiles' marks

        await DisposeComponentsAsync();

        Assert.Equal(0, _bus.Statistics.Topics[ServiceTopics.Updated.Name].Subscribers);
        Assert.Equal(0, _alerts.SubscribersOfView);
        Assert.Equal(0, _bus.Statistics.Topics[ConsoleAlertTopics.Changed.Name].Subscribers);
        Assert.Equal(0, _bus.Statistics.Subscribers);
    }

    [Fact]
    public void The_alerts_page_and_the_header_count_only_alerts_that_notify()
    {
        UseServices("checkout", "payments");
        _alerts.Firing("HighErrorRatio", "critical", TimeSpan.FromMinutes(12), summary: "checkout: 12.5% of requests fail", ackBy: "alice", labels: ("job", "checkout"));
        _alerts.Firing("TargetDown", "critical", TimeSpan.FromMinutes(2), labels: ("job", "payments"));
        _alerts.Firing("HighLatencyP95", "warning", TimeSpan.FromMinutes(30), labels: ("job", "payments")); // inhibited by TargetDown
        _alerts.Firing("DiskFull", "warning", TimeSpan.FromMinutes(40), labels: ("job", "checkout"));
        _alerts.Firing("QueueBacklog", "warning", TimeSpan.FromMinutes(1), pending: true, labels: ("job", "checkout"));
        _alerts.Silence(("alertname", "DiskFull"));
        _alerts.Load();

        var cut = Render<WallPage>(p => p.Add(x => x.Pin, "alerts"));

        var count = cut.Find("[data-testid=wall-alert-count]");
        Assert.Equal("2", count.GetAttribute("data-count"));
        Assert.Equal("critical", count.GetAttribute("data-severity"));
        Assert.Equal("2 alerts", count.TextContent.Trim());
        Assert.Equal("2", cut.Find("[data-testid=wall-alert-list]").GetAttribute("data-count"));
        var rows = cut.FindAll("[data-testid=wall-firing]");
        Assert.Equal(["HighErrorRatio", "TargetDown"], rows.Select(r => r.GetAttribute("data-alert")));
        var first = rows[0];
        Assert.Equal("critical", first.QuerySelector(".wall-firing-severity")!.TextContent); // the severity as a word
        Assert.Contains("wall-firing-critical", first.ClassList);
        Assert.Equal("checkout", first.QuerySelector("[data-testid=wall-firing-service]")!.TextContent);
        Assert.Equal("checkout: 12.5% of requests fail", first.QuerySelector("[data-testid=wall-firing-summary]")!.TextContent);
        Assert.Equal("firing for 12 min", first.QuerySelector("[data-testid=wall-firing-age]")!.TextContent);
        Assert.Equal("acknowledged by alice", first.QuerySelector("[data-testid=wall-firing-ack]")!.TextContent);
        Assert.Equal("not acknowledged", rows[1].QuerySelector("[data-testid=wall-firing-ack]")!.TextContent);

        // Live: silencing the acknowledged one leaves one alert, on the page and in the header.
        _alerts.Silence(("alertname", "HighErrorRatio"));
        _alerts.Publish();

        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=wall-alert-count]").GetAttribute("data-count")), Timeout);
        Assert.Equal("1 alert", cut.Find("[data-testid=wall-alert-count]").TextContent.Trim());
        Assert.Equal(["TargetDown"], cut.FindAll("[data-testid=wall-firing]").Select(r => r.GetAttribute("data-alert")));

        // The ages move with the wall's clock, without an event.
        Advance(TimeSpan.FromSeconds(60));
        cut.WaitForAssertion(() => Assert.Equal("firing for 3 min", cut.Find("[data-testid=wall-firing-age]").TextContent), Timeout);
    }

    [Fact]
    public void Without_notifying_alerts_the_page_says_so_and_what_it_leaves_out()
    {
        UseServices("checkout");
        _alerts.Firing("DiskFull", "warning", TimeSpan.FromMinutes(40), labels: ("job", "checkout"));
        _alerts.Silence(("alertname", "DiskFull"));
        _alerts.Load();

        var cut = Render<WallPage>(p => p.Add(x => x.Pin, "alerts"));

        Assert.Equal("0", cut.Find("[data-testid=wall-alert-count]").GetAttribute("data-count"));
        Assert.Equal("no alerts", cut.Find("[data-testid=wall-alert-count]").TextContent.Trim());
        Assert.Equal("1 silenced", cut.Find("[data-testid=wall-alert-not-shown]").TextContent);
        Assert.StartsWith("No alerts firing", cut.Find("[data-testid=wall-alert-list]").TextContent.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void More_alerts_than_fit_end_in_a_row_that_counts_the_rest()
    {
        UseServices("checkout");
        for (var i = 0; i < 11; i++)
        {
            _alerts.Firing($"Alert{i:00}", "warning", TimeSpan.FromMinutes(20 - i), labels: ("job", "checkout"));
        }

        _alerts.Load();

        var cut = Render<WallPage>(p => p.Add(x => x.Pin, "alerts"));

        Assert.Equal(WallAlertList.MaxRows - 1, cut.FindAll("[data-testid=wall-firing]").Count);
        Assert.Equal("+ 4 more alerts (see Alerts in the console)", cut.Find("[data-testid=wall-alert-more]").TextContent);
        Assert.Equal("11", cut.Find("[data-testid=wall-alert-count]").GetAttribute("data-count"));
        Assert.Contains($"--wall-alert-rows: {WallAlertList.MaxRows}", cut.Find("[data-testid=wall-alert-list]").GetAttribute("style"), StringComparison.Ordinal);
    }

    [Fact]
    public void Service_tiles_on_the_wall_carry_their_alert_marks()
    {
        UseServices("checkout", "payments");
        _alerts.Firing("HighErrorRatio", "critical", TimeSpan.FromMinutes(12), labels: ("job", "checkout"));
        _alerts.Load();

        var cut = Render<WallPage>(p => p.Add(x => x.Pin, "services"));

        Assert.Equal("1", cut.Find("[data-service=checkout]").GetAttribute("data-alerts"));
        Assert.Equal("HighErrorRatio", cut.Find("[data-service=checkout] [data-testid=tile-alert-name]").TextContent);
        Assert.Empty(cut.FindAll("[data-service=payments] [data-testid=tile-alert]"));

        _alerts.Firing("TargetDown", "critical", TimeSpan.Zero, labels: ("job", "payments"));
        _alerts.Publish();
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-service=payments]").GetAttribute("data-alerts")), Timeout);
        Assert.Equal("2", cut.Find("[data-testid=wall-alert-count]").GetAttribute("data-count")); // on every page
    }

    [Fact]
    public void With_the_sound_on_a_new_critical_alert_chimes_once_and_alerts_already_there_do_not()
    {
        _options.AlertSound = true;
        var module = JSInterop.SetupModule("./js/wall-sound.js");
        var chime = module.Setup<string>("chime").SetResult("played");
        UseServices("checkout");
        _alerts.Firing("AlreadyFiring", "critical", TimeSpan.FromMinutes(5), labels: ("job", "checkout"));
        _alerts.Load();
        var cut = Render<WallPage>(p => p.Add(x => x.Pin, "alerts"));
        Assert.Equal("on", Wall(cut).GetAttribute("data-alert-sound"));

        _alerts.Firing("NewWarning", "warning", TimeSpan.Zero, labels: ("job", "checkout"));
        _alerts.Publish();
        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find("[data-testid=wall-alert-count]").GetAttribute("data-count")), Timeout);
        Assert.Empty(chime.Invocations);

        _alerts.Firing("NewCritical", "critical", TimeSpan.Zero, labels: ("job", "checkout"));
        _alerts.Publish();
        cut.WaitForAssertion(() => Assert.Equal("1", Wall(cut).GetAttribute("data-chimes")), Timeout);
        Assert.Single(chime.Invocations);
        Assert.Equal("played", Wall(cut).GetAttribute("data-alert-sound"));
        Assert.Empty(cut.FindAll("[data-testid=wall-alert-sound-blocked]"));
    }

    [Fact]
    public void A_chime_the_browser_blocks_is_shown_in_the_header()
    {
        _options.AlertSound = true;
        JSInterop.SetupModule("./js/wall-sound.js").Setup<string>("chime").SetResult("blocked");
        UseServices("checkout");
        _alerts.Load();
        var cut = Render<WallPage>(p => p.Add(x => x.Pin, "clock"));

        _alerts.Firing("TargetDown", "critical", TimeSpan.Zero, labels: ("job", "checkout"));
        _alerts.Publish();

        cut.WaitForAssertion(() => Assert.Equal("blocked", Wall(cut).GetAttribute("data-alert-sound")), Timeout);
        Assert.Equal("sound blocked", cut.Find("[data-testid=wall-alert-sound-blocked]").TextContent);
    }

    [Fact]
    public void The_status_page_says_all_clear_and_then_what_fires_live()
    {
        UseServices("checkout", "payments");
        _alerts.Load();
        var cut = Render<WallPage>(p => p.Add(x => x.Pin, "status"));

        Assert.Equal("Status", cut.Find("[data-testid=wall-page-title]").TextContent);
        Assert.Equal("All clear", cut.Find(".wall-all-clear-word").TextContent);
        Assert.Equal("ok", cut.Find("[data-testid=wall-status]").GetAttribute("data-state"));

        _alerts.Firing("HighErrorRatio", "critical", TimeSpan.FromMinutes(4), ackBy: "alice", labels: ("job", "checkout"));
        _alerts.Publish();

        cut.WaitForAssertion(() => Assert.Equal("critical", cut.Find("[data-testid=wall-status]").GetAttribute("data-state")), Timeout);
        Assert.Equal("HighErrorRatio", cut.Find("[data-testid=wall-status-alert]").GetAttribute("data-alert"));
        Assert.Contains("checkout · for 4 min · ack alice", cut.Find("[data-testid=wall-status-alert]").TextContent, StringComparison.Ordinal);
        Assert.Equal(("checkout", "critical"), (cut.Find("[data-testid=wall-status-service]").GetAttribute("data-service"), cut.Find("[data-testid=wall-status-service]").GetAttribute("data-state")));
    }

    [Fact]
    public void With_the_sound_off_nothing_is_played()
    {
        UseServices("checkout");
        _alerts.Load();
        var cut = Render<WallPage>(p => p.Add(x => x.Pin, "alerts"));

        _alerts.Firing("TargetDown", "critical", TimeSpan.Zero, labels: ("job", "checkout"));
        _alerts.Publish();

        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=wall-alert-count]").GetAttribute("data-count")), Timeout);
        Assert.Equal("off", Wall(cut).GetAttribute("data-alert-sound"));
        Assert.Equal("0", Wall(cut).GetAttribute("data-chimes"));
        Assert.Empty(JSInterop.Invocations); // strict mode would have thrown on any call anyway
    }

    [Fact]
    public void The_backup_strip_shows_on_every_page_above_the_console_alerts_once_a_database_is_managed()
    {
        UseServices("checkout");
        var cut = Render<WallPage>();
        Assert.Empty(cut.FindAll("[data-testid=wall-backups]")); // nothing managed: nothing shown

        _backups.Update([new OpsConsole.Core.Backups.BackupFreshnessEntry("shop", OpsConsole.Core.Backups.BackupFreshness.Fresh,
            Start - TimeSpan.FromHours(2), TimeSpan.FromHours(7), false, null)], Start);
        cut.WaitForAssertion(() => Assert.Equal("2 h", cut.Find("[data-testid=wall-backup-age]").TextContent), Timeout);
        var order = cut.FindAll("[data-testid=wall] > *").Select(e => e.GetAttribute("data-testid") ?? e.TagName.ToLowerInvariant()).ToList();
        Assert.True(order.IndexOf("wall-backups") == order.IndexOf("wall-alerts") - 1, string.Join(", ", order));

        // The strip stays when the playlist moves on (the alerts page has no console-alerts strip under it).
        Advance(TimeSpan.FromSeconds(10));
        cut.WaitForAssertion(() => Assert.Equal("alerts", Page(cut)), Timeout);
        Assert.Single(cut.FindAll("[data-testid=wall-backups]"));
    }

    private static AngleSharp.Dom.IElement Wall(IRenderedComponent<WallPage> cut) => cut.Find("[data-testid=wall]");

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
