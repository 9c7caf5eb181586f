using Bunit.TestDoubles;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Attention;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Audit.Search;
using OpsConsole.Core.Board;
using OpsConsole.Web.Features.Board;
using OpsConsole.Web.Tests.Features.Audit;
using OpsConsole.Web.Tests.Features.Metrics.Services;

namespace OpsConsole.Web.Tests.Features.Board;

/// <summary>The status board: "all clear" said plainly, trouble by section, empty sections collapsed, live.</summary>
public sealed class BoardPageTests : BunitContext
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly ServicesTestBed _bed = new("shop", "billing");
    private readonly FakeAttention _attention = new();
    private readonly FakeAuditSearch _audit = new();
    private readonly BunitAuthorizationContext _auth;

    public BoardPageTests()
    {
        _bed.Register(Services);
        Services.AddSingleton(new ConsoleAlertBoard(_bed.Bus, _bed.Time));
        Services.AddSingleton<IAttentionSource>(_attention);
        Services.AddSingleton<StatusBoard>();
        Services.AddSingleton<IAuditSearch>(_audit);
        Services.AddSingleton(new AuditLiveEvents(_bed.Bus));
        Services.AddScoped<RecentChanges>();
        _auth = AddAuthorization();
        _auth.SetAuthorized("alice");
        SignedInAs(ConsoleRoles.Sre);
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private void SignedInAs(params string[] roles)
    {
        _auth.SetRoles(roles);
        _auth.SetPolicies([.. ConsolePolicies.Roles.Where(p => p.Value.Intersect(roles).Any()).Select(p => p.Key)]);
    }

    [Fact]
    public void With_nothing_wrong_it_says_all_clear_and_collapses_the_empty_sections()
    {
        ScrapeBoth(4);

        var cut = Render<BoardPage>();

        Assert.Equal("ok", cut.Find("[data-testid=board-summary]").GetAttribute("data-state"));
        Assert.Equal("All clear", cut.Find("[data-testid=all-clear]").TextContent);
        Assert.Contains("No alert is firing, 2 services healthy, every target answers.", cut.Find("[data-testid=board-summary]").TextContent, StringComparison.Ordinal);
        Assert.Equal(["billing", "shop"], cut.FindAll("[data-testid=board-service]").Select(s => s.GetAttribute("data-service")));
        Assert.All(cut.FindAll("[data-testid=board-service]"), s => Assert.Equal("healthy", s.GetAttribute("data-state")));
        foreach (var empty in new[] { "board-alerts", "board-targets", "board-silences", "board-attention", "board-quiet-alerts", "board-changes" })
        {
            Assert.Empty(cut.FindAll($"[data-testid={empty}]"));
        }
    }

    [Fact]
    public void In_trouble_it_lists_what_fires_who_acknowledged_what_is_down_muted_and_waiting()
    {
        ScrapeBoth(8);
        _bed.Scrape("shop", 8);
        _bed.Scrape("billing", 8, up: false); // stopped answering
        _bed.Alerts.Firing("HighErrorRatio", "critical", TimeSpan.FromMinutes(7), summary: "shop: 9% of requests fail", ackBy: "bob", labels: ("job", "shop"));
        _bed.Alerts.Firing("HighLatencyP95", "warning", TimeSpan.FromMinutes(2), pending: true, labels: ("job", "shop"));
        _bed.Alerts.Firing("DiskFilling", "warning", TimeSpan.FromMinutes(30), labels: [("job", "billing"), ("muted", "yes")]);
        _bed.Alerts.Silence(("muted", "yes"));
        _bed.Alerts.Load();
        _attention.Set(new AttentionItem("db/shop", AttentionLevel.Warning, "shop backup is 31 h old", "RPO 26 h", _bed.Time.GetUtcNow().AddHours(-5), "databases/shop"));

        var cut = Render<BoardPage>();

        var summary = cut.Find("[data-testid=board-summary]");
        Assert.Equal("critical", summary.GetAttribute("data-state"));
        Assert.Equal("1 firing (1 critical) · 1 silenced · 1 service critical · 1 service stale · 1 target down · Backups: 1", summary.TextContent.Trim());

        var alert = Assert.Single(cut.FindAll("[data-testid=board-alert]"));
        Assert.Equal("HighErrorRatio", alert.GetAttribute("data-alert"));
        Assert.Equal("for 7 min · acknowledged by bob", Normalize(alert.QuerySelector("[data-testid=board-alert-ack]")!.TextContent));
        Assert.Contains("HighLatencyP95", cut.Find("[data-testid=board-pending]").TextContent, StringComparison.Ordinal);
        Assert.Contains("DiskFilling", cut.Find("[data-testid=board-muted]").TextContent, StringComparison.Ordinal);

        var services = cut.FindAll("[data-testid=board-service]");
        Assert.Equal([("shop", "critical"), ("billing", "stale")], services.Select(s => (s.GetAttribute("data-service"), s.GetAttribute("data-state"))));
        Assert.StartsWith("HighErrorRatio for 7 min: shop: 9% of requests fail", services[0].QuerySelector("[data-testid=board-service-reason]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("billing", cut.Find("[data-testid=board-target]").GetAttribute("data-target"));
        Assert.Single(cut.FindAll("[data-testid=board-silence]"));

        var item = cut.Find("[data-testid=board-attention-item]");
        Assert.Equal("Backups", cut.Find("[data-testid=board-attention]").GetAttribute("data-section"));
        Assert.Equal(("db/shop", "warning"), (item.GetAttribute("data-key"), item.GetAttribute("data-level")));
    }

    [Fact]
    public void It_follows_the_stores_live_and_returns_to_all_clear_when_the_alert_resolves()
    {
        ScrapeBoth(4);
        var cut = Render<BoardPage>();
        Assert.Equal("ok", cut.Find("[data-testid=board-summary]").GetAttribute("data-state"));

        var alert = _bed.Alerts.Firing("HighLatencyP95", "warning", TimeSpan.FromMinutes(10), labels: ("job", "billing"));
        _bed.Alerts.Publish();
        cut.WaitForAssertion(() => Assert.Equal("warning", cut.Find("[data-testid=board-summary]").GetAttribute("data-state")), Timeout);
        Assert.Equal("warning", cut.Find("[data-service=billing]").GetAttribute("data-state"));

        _attention.Set(new AttentionItem("op/1", AttentionLevel.Critical, "restore failed", null, _bed.Time.GetUtcNow(), null));
        cut.WaitForAssertion(() => Assert.Equal("critical", cut.Find("[data-testid=board-summary]").GetAttribute("data-state")), Timeout);

        _attention.Set();
        _bed.Alerts.Remove(alert);
        _bed.Alerts.Publish();
        cut.WaitForAssertion(() => Assert.Equal("ok", cut.Find("[data-testid=board-summary]").GetAttribute("data-state")), Timeout);
    }

    [Fact]
    public void A_section_is_shown_only_to_viewers_its_policy_allows()
    {
        SignedInAs(ConsoleRoles.Viewer); // metrics and alerts, not the audit log, not administration
        ScrapeBoth(4);
        _attention.Policy = ConsolePolicies.Administer;
        _attention.Set(new AttentionItem("k", AttentionLevel.Critical, "admins only", null, _bed.Time.GetUtcNow(), null));
        _audit.Add(FakeAuditSearch.Record(1, "identity.user.disabled"));

        var cut = Render<BoardPage>();

        Assert.Empty(cut.FindAll("[data-testid=board-attention]"));
        Assert.Empty(cut.FindAll("[data-testid=board-changes]"));
        Assert.Equal("ok", cut.Find("[data-testid=board-summary]").GetAttribute("data-state")); // what they cannot see does not count
    }

    [Fact]
    public void Recent_changes_list_what_people_changed_not_what_they_read()
    {
        _bed.Scrapes("shop", 4);
        _audit.Add(FakeAuditSearch.Record(1, "identity.user.disabled"));
        _audit.Add(FakeAuditSearch.Record(2, "audit.searched"));
        _audit.Add(FakeAuditSearch.Record(3, "identity.signin.local"));
        _audit.Add(FakeAuditSearch.Record(4, "silences.created"));

        var cut = Render<BoardPage>();

        cut.WaitForAssertion(() => Assert.Equal(["silences.created", "identity.user.disabled"], cut.FindAll("[data-testid=board-change]").Select(c => c.GetAttribute("data-action"))), Timeout);
    }

    private void ScrapeBoth(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _bed.Scrape("shop", i);
            _bed.Scrape("billing", i);
        }
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private sealed class FakeAttention : IAttentionSource
    {
        private readonly List<Func<Task>> _listeners = [];

        public string Section => "Backups";

        public string Policy { get; set; } = ConsolePolicies.MetricsRead;

        public IReadOnlyList<AttentionItem> Items { get; private set; } = [];

        public void Set(params AttentionItem[] items)
        {
            Items = items;
            foreach (var listener in _listeners.ToList())
            {
                _ = listener();
            }
        }

        public IDisposable OnChanged(Func<Task> onChanged)
        {
            _listeners.Add(onChanged);
            return new Unsubscribe(() => _listeners.Remove(onChanged));
        }

        private sealed class Unsubscribe(Action action) : IDisposable
        {
            public void Dispose() => action();
        }
    }
}
