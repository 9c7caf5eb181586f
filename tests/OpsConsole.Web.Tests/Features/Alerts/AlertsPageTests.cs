using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Web.Features.Alerts;

namespace OpsConsole.Web.Tests.Features.Alerts;

public sealed class AlertsPageTests(AlertsHost host) : AlertsComponentTest(host)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Alice = AlertsHost.User("alice", ConsoleRoles.OnCall);
    private static readonly System.Security.Claims.ClaimsPrincipal Bob = AlertsHost.User("bob", ConsoleRoles.Sre);

    [Fact]
    public async Task Groups_by_alertname_then_by_the_label_chosen_with_counts_and_worst_severity()
    {
        await Host.FireAsync(
            AlertsHost.Firing("HighErrorRatio", "critical", TimeSpan.FromMinutes(20), ("job", "shop"), ("instance", "a")),
            AlertsHost.Firing("HighErrorRatio", "warning", TimeSpan.FromMinutes(5), ("job", "shop"), ("instance", "b")),
            AlertsHost.Firing("DiskFull", "warning", TimeSpan.FromMinutes(90), ("job", "node"), ("instance", "db-1")),
            AlertsHost.Firing("DiskFull", "info", TimeSpan.FromMinutes(2), ("job", "node"), ("instance", "db-2")));
        var popovers = Render<MudPopoverProvider>();
        var cut = RenderPage(Alice);

        cut.WaitForAssertion(() => Assert.Equal(
            [("alertname=HighErrorRatio", "2 alerts", "critical"), ("alertname=DiskFull", "2 alerts", "warning")],
            Groups(cut)), Timeout);

        await ChooseGroupByAsync(cut, popovers, "alertname", "job");

        cut.WaitForAssertion(() => Assert.Equal(
            [("job=shop", "2 alerts", "critical"), ("job=node", "2 alerts", "warning")],
            Groups(cut)), Timeout);
    }

    [Fact]
    public async Task Sorts_by_severity_by_default_and_by_age_on_request()
    {
        await Host.FireAsync(
            AlertsHost.Firing("Warn", "warning", TimeSpan.FromMinutes(90)),
            AlertsHost.Firing("Crit", "critical", TimeSpan.FromMinutes(10)),
            AlertsHost.Firing("Info", "info", TimeSpan.FromMinutes(2)));
        var cut = RenderPage(Alice);
        cut.WaitForAssertion(() => Assert.Equal(["Crit", "Warn", "Info"], Names(cut)), Timeout);

        await cut.InvokeAsync(() => SortButton(cut, "Oldest first").Click());
        cut.WaitForAssertion(() => Assert.Equal(["Warn", "Crit", "Info"], Names(cut)), Timeout);

        await cut.InvokeAsync(() => SortButton(cut, "Newest first").Click());
        cut.WaitForAssertion(() => Assert.Equal(["Info", "Crit", "Warn"], Names(cut)), Timeout);
        Assert.Equal("firing for 1 h 30 min", cut.FindAll("[data-testid=alert-age]")[^1].TextContent);
    }

    [Fact]
    public async Task Acknowledging_in_the_drawer_shows_on_the_row_and_another_users_ack_and_unack_show_live()
    {
        var id = (await Host.FireAsync(AlertsHost.Firing("DiskFull", "warning", TimeSpan.FromMinutes(3), ("instance", "db-1")))).Single();
        var cut = RenderPage(Alice);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=alert-row]")), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=alert-ack]"));

        await cut.InvokeAsync(() => cut.Find("[data-testid=alert-row]").Click());
        cut.WaitForAssertion(() => Assert.Contains("Nobody has acknowledged", cut.Find("[data-testid=drawer-ack]").TextContent, StringComparison.Ordinal), Timeout);
        await cut.InvokeAsync(() => Field(cut, "action-note").Change("looking at it"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=action-ack]").Click());

        cut.WaitForAssertion(() => Assert.StartsWith("acknowledged by alice", cut.Find("[data-testid=alert-ack]").TextContent, StringComparison.Ordinal), Timeout);
        Assert.Contains("looking at it", cut.Find("[data-testid=drawer-ack]").TextContent, StringComparison.Ordinal);
        Assert.Equal("Update ack note", cut.Find("[data-testid=action-ack]").TextContent.Trim());

        // Bob takes it over from his own browser: Alice's row and open drawer follow without a reload.
        await Host.Commands.AcknowledgeAsync(Bob, id, "mine now");
        cut.WaitForAssertion(() => Assert.StartsWith("acknowledged by bob", cut.Find("[data-testid=alert-ack]").TextContent, StringComparison.Ordinal), Timeout);
        cut.WaitForAssertion(() => Assert.Contains("mine now", cut.Find("[data-testid=drawer-ack]").TextContent, StringComparison.Ordinal), Timeout);
        cut.WaitForAssertion(() => Assert.Equal("Take over", cut.Find("[data-testid=action-ack]").TextContent.Trim()), Timeout);
        Assert.Equal(["alice", "bob"], cut.FindAll("[data-testid=timeline-item][data-kind=acknowledged] [data-testid=timeline-actor]").Select(e => e.TextContent));

        await Host.Commands.UnacknowledgeAsync(Bob, id);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=alert-ack]")), Timeout);
        cut.WaitForAssertion(() => Assert.Equal("bob", cut.Find("[data-testid=timeline-item][data-kind=unacknowledged] [data-testid=timeline-actor]").TextContent), Timeout);
    }

    [Fact]
    public async Task A_viewer_sees_no_actions_and_a_refused_action_is_shown_not_swallowed()
    {
        var id = (await Host.FireAsync(AlertsHost.Firing("DiskFull", "warning", TimeSpan.FromMinutes(3)))).Single();
        var viewer = RenderPage(AlertsHost.User("vic", ConsoleRoles.Viewer), id);
        viewer.WaitForAssertion(() => Assert.Equal("DiskFull", viewer.Find("[data-testid=drawer-title]").TextContent), Timeout);
        Assert.Empty(viewer.FindAll("[data-testid=drawer-actions]"));
        Assert.Empty(viewer.FindAll("[data-testid=alert-row-actions]")); // nor on the row

        // A rule alert cannot be resolved by hand: the service's refusal reaches the drawer as a message.
        var ruleId = (await Host.FireAsync(AlertsHost.Firing("Rule", "warning", TimeSpan.FromMinutes(1)) with { Source = AlertSource.Rule })).Single();
        var cut = RenderPage(Alice, ruleId);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=action-note-add]")), Timeout);
        await cut.InvokeAsync(() => cut.Find("[data-testid=action-note-add]").Click());
        cut.WaitForAssertion(() => Assert.Equal("A note needs some text.", cut.Find("[data-testid=drawer-message]").TextContent.Trim()), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=action-resolve]"));
    }

    [Fact]
    public async Task Silenced_alerts_are_hidden_under_a_toggle_and_a_bad_matcher_says_what_is_wrong()
    {
        await Host.FireAsync(
            AlertsHost.Firing("DiskFull", "warning", TimeSpan.FromMinutes(3), ("instance", "db-1")),
            AlertsHost.Firing("DiskFull", "warning", TimeSpan.FromMinutes(3), ("instance", "db-2")));
        await Host.Commands.CreateSilenceAsync(Alice, new SilenceRequest(
            [new SilenceMatcher("instance", "=", "db-2")], null, null, TimeSpan.FromHours(1), "replacing the disk"));
        var cut = RenderPage(Alice);

        cut.WaitForAssertion(() => Assert.Equal(["db-1"], Instances(cut)), Timeout);
        Assert.Contains("1 silenced or inhibited alert is hidden", cut.Find("[data-testid=alerts-hidden]").TextContent, StringComparison.Ordinal);

        await cut.InvokeAsync(() => Field(cut, "show-silenced").Change(true));
        cut.WaitForAssertion(() => Assert.Equal(["db-1", "db-2"], Instances(cut).Order()), Timeout);
        Assert.Single(cut.FindAll("[data-testid=alert-silenced]"));

        await cut.InvokeAsync(() => Field(cut, "filter-matchers").Change("instance=~\"db-(\""));
        cut.WaitForAssertion(() => Assert.Contains("regular expression", cut.Find("[data-testid=alert-filters]").TextContent, StringComparison.Ordinal), Timeout);
        await cut.InvokeAsync(() => Field(cut, "filter-matchers").Change("instance=\"db-2\""));
        cut.WaitForAssertion(() => Assert.Equal(["db-2"], Instances(cut)), Timeout);
    }

    [Fact]
    public async Task Silence_from_an_alert_opens_the_form_with_its_labels_as_equality_matchers()
    {
        var id = (await Host.FireAsync(AlertsHost.Firing("DiskFull", "warning", TimeSpan.FromMinutes(3), ("instance", "db-1")))).Single();
        var providers = Render<MudDialogProvider>();
        var cut = RenderPage(Alice, id);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=action-silence]")), Timeout);

        await cut.InvokeAsync(() => cut.Find("[data-testid=action-silence]").Click());

        providers.WaitForAssertion(() => Assert.Equal(3, providers.FindAll("[data-testid=matcher-row]").Count), Timeout);
        Assert.Equal(["alertname", "instance", "severity"], providers.FindAll("[data-testid=matcher-name]").Select(e => FieldIn(e, "matcher-name").GetAttribute("value")));
        Assert.Equal(["DiskFull", "db-1", "warning"], providers.FindAll("[data-testid=matcher-value]").Select(e => FieldIn(e, "matcher-value").GetAttribute("value")));
        // The preview follows the store (live), which may still be loading the alert the drawer read from the database.
        providers.WaitForAssertion(() => Assert.Equal("Matches 1 current alert.", providers.Find("[data-testid=silence-preview]").TextContent), Timeout);
    }

    [Fact]
    public async Task A_row_links_its_runbook_page_and_its_service_and_offers_acknowledge_and_silence()
    {
        var runbooks = new Dictionary<string, string> { ["runbook_url"] = "docs/runbooks/sampleshop.md#higherrorratio" };
        var unsafeRunbook = new Dictionary<string, string> { ["runbook_url"] = "javascript:alert(1)" };
        await Host.FireAsync(
            AlertsHost.Firing("HighErrorRatio", "critical", TimeSpan.FromMinutes(3), ("job", "opsconsole")) with { Annotations = runbooks },
            AlertsHost.Firing("DiskFull", "warning", TimeSpan.FromMinutes(9), ("job", "not-scraped")) with { Annotations = unsafeRunbook });
        var providers = Render<MudDialogProvider>();
        var cut = RenderPage(Alice);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=alert-row]").Count), Timeout);

        var shop = Row(cut, "HighErrorRatio");
        var runbook = shop.QuerySelector("[data-testid=alert-runbook]")!;
        Assert.Equal(("/runbooks/sampleshop.md#higherrorratio", "_blank"), (runbook.GetAttribute("href"), runbook.GetAttribute("target")));
        Assert.Contains("noopener", runbook.GetAttribute("rel"), StringComparison.Ordinal);
        Assert.Equal("/services/opsconsole", shop.QuerySelector("[data-testid=alert-service]")!.GetAttribute("href"));
        var disk = Row(cut, "DiskFull");
        Assert.Null(disk.QuerySelector("[data-testid=alert-runbook]")); // javascript: is never a link
        Assert.Equal("runbook: javascript:alert(1)", disk.QuerySelector("[data-testid=alert-runbook-text]")!.TextContent);
        Assert.Null(disk.QuerySelector("[data-testid=alert-service]")); // no scrape target by that name, so no service page

        await cut.InvokeAsync(() => Row(cut, "HighErrorRatio").QuerySelector("[data-testid=row-ack]")!.Click());

        cut.WaitForAssertion(() => Assert.StartsWith("acknowledged by alice", Row(cut, "HighErrorRatio").QuerySelector("[data-testid=alert-ack]")!.TextContent, StringComparison.Ordinal), Timeout);
        Assert.Null(Row(cut, "HighErrorRatio").QuerySelector("[data-testid=row-ack]"));
        Assert.Equal("alice", Host.Store.Current.Alerts.Single(a => a.Name == "HighErrorRatio").Ack?.By);

        await cut.InvokeAsync(() => Row(cut, "DiskFull").QuerySelector("[data-testid=row-silence]")!.Click());

        providers.WaitForAssertion(() => Assert.Equal(["DiskFull", "not-scraped", "warning"],
            providers.FindAll("[data-testid=matcher-value]").Select(e => FieldIn(e, "matcher-value").GetAttribute("value"))), Timeout);
    }

    [Fact]
    public async Task The_header_and_the_app_bar_count_firing_alerts_the_same_way_and_say_how_many_are_silenced()
    {
        await Host.FireAsync(
            AlertsHost.Firing("DiskFull", "warning", TimeSpan.FromMinutes(3), ("instance", "db-1")),
            AlertsHost.Firing("DiskFull", "warning", TimeSpan.FromMinutes(3), ("instance", "db-2")));
        await Host.Commands.CreateSilenceAsync(Alice, new SilenceRequest(
            [new SilenceMatcher("instance", "=", "db-2")], null, null, TimeSpan.FromHours(1), "replacing the disk"));
        await Host.WaitForStoreAsync(s => s.Alerts.Count(a => a.IsSilenced) == 1, "one alert silenced");

        var page = RenderPage(Alice);
        var badge = Render<AlertBadge>();

        page.WaitForAssertion(() => Assert.Equal("1 firing, 1 silenced · 0 pending · 0 acknowledged", page.Find("[data-testid=alerts-counts]").TextContent), Timeout);
        badge.WaitForAssertion(() => Assert.Equal(("1", "firing, 1 silenced"),
            (badge.Find("[data-testid=alert-badge-count]").TextContent, badge.Find("[data-testid=alert-badge-text]").TextContent)), Timeout);
    }

    [Fact]
    public async Task A_rule_alerts_detail_draws_the_values_the_rule_engine_reported()
    {
        var sink = Host.Services.GetRequiredService<IAlertSink>();
        var alert = AlertsHost.Firing("HighErrorRatio", "critical", TimeSpan.FromMinutes(6), ("job", "shop")) with { Source = AlertSource.Rule, Value = 0.06 };
        await sink.ReportAsync("tests.yml / shop / 0", [alert], CancellationToken.None);
        await Host.WaitForStoreAsync(s => s.Alerts.SingleOrDefault()?.Value == 0.06, "the first value");
        var id = Host.Store.Current.Alerts.Single().Id;
        // The sparkline needs two steps of its 5 s grid: wait for the clock, then report a new value.
        using (var deadline = new CancellationTokenSource(Timeout))
        {
            while (Host.Values.For(id, DateTimeOffset.UtcNow) is null)
            {
                await Task.Delay(100, deadline.Token);
            }
        }

        var cut = RenderPage(Alice, id);
        await sink.ReportAsync("tests.yml / shop / 0", [alert with { Value = 0.09 }], CancellationToken.None);

        cut.WaitForAssertion(() => Assert.Equal("0.09 at the last evaluation", cut.Find("[data-testid=drawer-value-now]").TextContent), Timeout);
        Assert.Single(cut.FindAll("[data-testid=drawer-sparkline] polyline"));
        Assert.Contains("from 0.06 to 0.09", cut.Find("[data-testid=drawer-sparkline-caption]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscriptions_end_when_the_page_is_disposed()
    {
        var before = Host.ViewSubscribers;
        var cut = RenderPage(Alice);
        cut.WaitForAssertion(() => Assert.True(Host.ViewSubscribers > before), Timeout);

        await DisposeComponentsAsync();

        Assert.Equal(before, Host.ViewSubscribers);
    }

    private IRenderedComponent<AlertsPage> RenderPage(System.Security.Claims.ClaimsPrincipal user, long? id = null) =>
        Render<AlertsPage>(p => As(p, user).Add(x => x.Id, id));

    private static List<(string Group, string Count, string Severity)> Groups(IRenderedComponent<AlertsPage> cut) =>
        [.. cut.FindAll("[data-testid=alert-group]").Select(g => (
            g.GetAttribute("data-group") ?? "",
            g.QuerySelector("[data-testid=group-count]")!.TextContent,
            g.QuerySelector(".alert-group-header [data-testid=severity]")!.TextContent))];

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<AlertsPage> cut, string name) =>
        cut.Find($"[data-testid=alert-row][data-alert-name={name}]");

    private static List<string> Names(IRenderedComponent<AlertsPage> cut) =>
        [.. cut.FindAll("[data-testid=alert-name]").Select(e => e.TextContent)];

    private static List<string> Instances(IRenderedComponent<AlertsPage> cut) =>
        [.. cut.FindAll("[data-testid=alert-row]").Select(r => r.QuerySelectorAll("[data-testid=label-chip]")
            .Select(c => c.TextContent).Single(t => t.StartsWith("instance=", StringComparison.Ordinal))["instance=".Length..])];

    private static AngleSharp.Dom.IElement SortButton(IRenderedComponent<AlertsPage> cut, string text) =>
        cut.FindAll("[data-testid=sort] button").Single(b => b.TextContent.Trim().Equals(text, StringComparison.OrdinalIgnoreCase));

    /// <summary>Opens the group-by select and clicks the labels, as a person would (the popover renders in its provider).</summary>
    private static async Task ChooseGroupByAsync(IRenderedComponent<AlertsPage> cut, IRenderedComponent<MudPopoverProvider> popovers, params string[] toggle)
    {
        await cut.InvokeAsync(() => cut.Find(".alert-filter-groupby .mud-input-control-input-container").MouseDown());
        foreach (var label in toggle)
        {
            popovers.WaitForAssertion(() => Assert.Contains(popovers.FindAll(".mud-list-item"), i => i.TextContent.Trim() == label), Timeout);
            await popovers.InvokeAsync(() => popovers.FindAll(".mud-list-item").Single(i => i.TextContent.Trim() == label).Click());
        }
    }
}
