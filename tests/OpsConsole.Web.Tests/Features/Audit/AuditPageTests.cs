using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Audit.Search;
using OpsConsole.Core.Live;
using OpsConsole.Web.Features.Audit;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Audit;

public sealed class AuditPageTests : BunitContext, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly LiveEventBus _bus = new();
    private readonly FakeAuditSearch _search = new();

    public AuditPageTests()
    {
        Services.AddSingleton<ILiveEvents>(_bus);
        Services.AddSingleton(new OpsConsole.Core.Audit.AuditLiveEvents(_bus));
        Services.AddSingleton<IAuditSearch>(_search);
        Services.AddMudServices();
        Services.AddViewerTime();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    [Fact]
    public async Task Lists_the_newest_records_first_and_opens_a_record_in_the_drawer()
    {
        _search.Add(1, 2, 3, 4, 5);

        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Equal(["5", "4", "3", "2", "1"], Sequences(cut)), Timeout);
        await cut.InvokeAsync(() => cut.FindAll(".audit-row")[1].Click());
        cut.WaitForAssertion(() => Assert.Equal("#4", cut.Find("[data-testid=drawer-sequence]").TextContent), Timeout);
        Assert.Equal(FakeAuditSearch.Record(4).Hash, cut.Find("[data-testid=drawer-hash]").TextContent);
    }

    [Fact]
    public void A_search_from_the_filter_bar_reaches_the_service_and_refreshes_the_grid()
    {
        _search.Add(1, 2, 3, 4, 5, 10);
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Equal(6, Sequences(cut).Count), Timeout);

        AuditFilterBarTests.Input(cut, "filter-action").Change("backups.run");
        AuditFilterBarTests.Input(cut, "filter-text").Change("nightly run");
        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Equal("backups.run", _search.Queries[^1].ActionPrefix), Timeout);
        Assert.Equal("nightly run", _search.Queries[^1].Text);
    }

    [Fact]
    public async Task Live_tail_shows_new_records_on_top_pause_counts_them_resume_shows_them_and_dispose_unsubscribes()
    {
        _search.Add(1, 2, 3);
        Assert.Equal(0, _bus.Statistics.Subscribers);
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Equal(["3", "2", "1"], Sequences(cut)), Timeout);
        Assert.Equal(1, _bus.Statistics.Topics[AuditTopics.Appended.Name].Subscribers);

        // Live: an append shows at the top without a reload.
        _search.Add(4);
        _bus.Publish(AuditTopics.Appended, new AuditAppended(4, 1));
        cut.WaitForAssertion(() => Assert.Equal(["4", "3", "2", "1"], Sequences(cut)), Timeout);

        // Paused: appends are counted, the list stays as it was.
        await cut.InvokeAsync(() => cut.Find("[data-testid=live-pause]").Click());
        _search.Add(5, 6, 7);
        _bus.Publish(AuditTopics.Appended, new AuditAppended(7, 3));
        cut.WaitForAssertion(() => Assert.Equal("3 new records", cut.Find("[data-testid=live-pending]").TextContent.Trim()), Timeout);
        Assert.Equal(["4", "3", "2", "1"], Sequences(cut));

        // Resumed: they appear.
        await cut.InvokeAsync(() => cut.Find("[data-testid=live-resume]").Click());
        cut.WaitForAssertion(() => Assert.Equal(["7", "6", "5", "4", "3", "2", "1"], Sequences(cut)), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=live-pending]"));

        await DisposeComponentsAsync();

        Assert.Equal(0, _bus.Statistics.Subscribers);
        var searches = _search.Queries.Count;
        _search.Add(8);
        _bus.Publish(AuditTopics.Appended, new AuditAppended(8, 1));
        var topic = _bus.Statistics.Topics[AuditTopics.Appended.Name];
        Assert.Equal(0, topic.Subscribers);
        Assert.Equal(topic.Published - 1, topic.Delivered); // the last event reached nobody
        await Task.Delay(600); // longer than the throttle: nothing wakes up
        Assert.Equal(searches, _search.Queries.Count);
    }

    [Fact]
    public void Turning_the_live_tail_off_unsubscribes_and_on_again_catches_up()
    {
        _search.Add(1, 2);
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Equal(["2", "1"], Sequences(cut)), Timeout);

        AuditFilterBarTests.Input(cut, "live-tail").Change(false);
        Assert.Equal(0, _bus.Statistics.Subscribers);
        _search.Add(3);
        _bus.Publish(AuditTopics.Appended, new AuditAppended(3, 1));
        Assert.Equal(["2", "1"], Sequences(cut));

        AuditFilterBarTests.Input(cut, "live-tail").Change(true);
        cut.WaitForAssertion(() => Assert.Equal(["3", "2", "1"], Sequences(cut)), Timeout);
        Assert.Equal(1, _bus.Statistics.Subscribers);
    }

    [Fact]
    public async Task The_readers_own_searches_stay_out_of_the_tail_until_shown_and_others_reads_come_in()
    {
        _search.Add(1, 2);
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Equal(["2", "1"], Sequences(cut)), Timeout);

        // The page's own search was recorded (3); someone else's search (4) and a backup (5) follow.
        _search.Add(FakeAuditSearch.Record(3, "audit.searched") with { ActorId = "u-auditor", ActorName = "auditor" });
        _search.Add(FakeAuditSearch.Record(4, "audit.searched") with { ActorId = "u-other", ActorName = "other" });
        _search.Add(5);
        _bus.Publish(AuditTopics.Appended, new AuditAppended(5, 3));
        cut.WaitForAssertion(() => Assert.Equal(["5", "4", "2", "1"], Sequences(cut)), Timeout);

        await cut.InvokeAsync(() => AuditFilterBarTests.Input(cut, "hide-own-reads").Change(false));
        cut.WaitForAssertion(() => Assert.Equal(["5", "4", "3", "2", "1"], Sequences(cut)), Timeout);

        await cut.InvokeAsync(() => AuditFilterBarTests.Input(cut, "hide-own-reads").Change(true));
        cut.WaitForAssertion(() => Assert.Equal(["5", "4", "2", "1"], Sequences(cut)), Timeout);
    }

    [Fact]
    public void Targets_show_their_names_and_a_target_without_one_shows_its_id()
    {
        _search.Add(FakeAuditSearch.Record(1, "identity.user.disabled") with { TargetType = "user", TargetId = "3f2a-alice", TargetName = "alice" });
        _search.Add(FakeAuditSearch.Record(2, "identity.user.disabled") with { TargetType = "user", TargetId = "9c1d-gone" });

        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=audit-target]").Count), Timeout);
        var targets = cut.FindAll("[data-testid=audit-target]");
        Assert.Equal("user 9c1d-gone", Squash(targets[0].TextContent));
        Assert.Equal("user alice", Squash(targets[1].TextContent));
        Assert.Equal("user alice (3f2a-alice)", targets[1].GetAttribute("title"));
    }

    [Fact]
    public void Times_are_in_the_viewers_zone_which_the_page_states()
    {
        Services.AddViewerTime("Europe/Paris");
        _search.Add(1); // 2026-05-01 10:00:01 UTC

        var cut = RenderPage();

        cut.WaitForAssertion(() => Assert.Equal("2026-05-01 12:00:01", cut.Find("[data-testid=audit-time]").TextContent), Timeout);
        Assert.StartsWith("Times in UTC+0", cut.Find("[data-testid=time-zone]").TextContent, StringComparison.Ordinal);
        Assert.EndsWith("(Europe/Paris)", cut.Find("[data-testid=time-zone]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_preset_searches_with_its_filter()
    {
        _search.Add(1, 2, 3, 4, 5, 10);
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Equal(6, Sequences(cut).Count), Timeout);

        cut.Find("[data-testid=preset-denials]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["10", "5"], Sequences(cut)), Timeout);
        Assert.Equal("denied", _search.Queries[^1].Outcome);
    }

    private static string Squash(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private IRenderedComponent<AuditPage> RenderPage()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, "u-auditor"), new Claim(ClaimTypes.Name, "auditor"), new Claim(ClaimTypes.Role, "Auditor")], "test"));
        return Render<AuditPage>(p => p.AddCascadingValue(Task.FromResult(new AuthenticationState(user))));
    }

    private static List<string> Sequences(IRenderedComponent<AuditPage> cut) =>
        [.. cut.FindAll("[data-testid=audit-seq]").Select(e => e.TextContent)];
}
