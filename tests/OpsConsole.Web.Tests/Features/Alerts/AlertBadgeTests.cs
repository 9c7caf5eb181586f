using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Web.Features.Alerts;

namespace OpsConsole.Web.Tests.Features.Alerts;

public sealed class AlertBadgeTests(AlertsHost host) : AlertsComponentTest(host)
{
    [Fact]
    public async Task Counts_firing_alerts_that_notify_coloured_by_the_worst_and_follows_changes()
    {
        await Host.FireAsync(AlertsHost.Firing("DiskFull", "warning", TimeSpan.FromMinutes(3)));
        await Host.WaitForStoreAsync(s => s.NotifyingCount == 1, "one notifying alert");
        var cut = Render<AlertBadge>();
        Assert.Equal(("1", "warning"), Badge(cut));
        Assert.Equal("/alerts", cut.Find("[data-testid=alert-badge]").GetAttribute("href"));

        await Host.FireAsync(AlertsHost.Firing("HighErrorRatio", "critical", TimeSpan.FromMinutes(1)));
        cut.WaitForAssertion(() => Assert.Equal(("2", "critical"), Badge(cut)), Timeout);
        Assert.Contains("worst critical", cut.Find("[data-testid=alert-badge]").TextContent, StringComparison.Ordinal);

        // A silenced alert fires on but does not count.
        await Host.Commands.CreateSilenceAsync(AlertsHost.User("alice", ConsoleRoles.OnCall),
            new SilenceRequest([new SilenceMatcher("alertname", "=", "HighErrorRatio")], null, null, TimeSpan.FromHours(1), "known, fix deploying"));
        cut.WaitForAssertion(() => Assert.Equal(("1", "warning"), Badge(cut)), Timeout);
    }

    [Fact]
    public async Task Stops_following_the_store_when_disposed()
    {
        var before = Host.ViewSubscribers;
        Render<AlertBadge>();
        Assert.Equal(before + 1, Host.ViewSubscribers); // subscribed after the first render

        await DisposeComponentsAsync();

        Assert.Equal(before, Host.ViewSubscribers);
    }

    private static (string Count, string Severity) Badge(IRenderedComponent<AlertBadge> cut)
    {
        var badge = cut.Find("[data-testid=alert-badge]");
        return (badge.GetAttribute("data-count") ?? "", badge.GetAttribute("data-severity") ?? "");
    }
}
