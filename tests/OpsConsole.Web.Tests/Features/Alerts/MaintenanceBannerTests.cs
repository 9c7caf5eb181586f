using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Web.Features.Alerts;

namespace OpsConsole.Web.Tests.Features.Alerts;

public sealed class MaintenanceBannerTests(AlertsHost host) : AlertsComponentTest(host)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Alice = AlertsHost.User("alice", ConsoleRoles.OnCall);

    [Fact]
    public async Task Appears_for_an_active_maintenance_silence_and_disappears_when_it_is_expired()
    {
        var cut = Render<MaintenanceBanner>();
        Assert.Empty(cut.FindAll("[data-testid=maintenance-banner]"));

        // An ordinary silence is no maintenance window.
        await Host.Commands.CreateSilenceAsync(Alice, Request("alertname", "Noise", "just noise", maintenance: false));
        var window = await Host.Commands.CreateSilenceAsync(Alice, Request("job", "db", "PostgreSQL 17 upgrade", maintenance: true));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=maintenance-banner]")), Timeout);
        var end = window.Silence.EndsAt.ToUniversalTime();
        var expected = $"Maintenance until {end.ToString(end.Date == DateTimeOffset.UtcNow.Date ? "HH:mm" : "yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)} UTC — PostgreSQL 17 upgrade (by alice)";
        Assert.Equal(expected, cut.Find("[data-testid=maintenance-banner] span").TextContent);

        await Host.Commands.ExpireSilenceAsync(Alice, window.Silence.Id);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=maintenance-banner]")), Timeout);
    }

    [Fact]
    public async Task A_pending_window_shows_once_it_starts_and_subscriptions_end_on_dispose()
    {
        var before = Host.ViewSubscribers;
        var cut = Render<MaintenanceBanner>();
        Assert.Equal(before + 1, Host.ViewSubscribers);
        var startsAt = DateTimeOffset.UtcNow.AddSeconds(3);
        await Host.Commands.CreateSilenceAsync(Alice, Request("job", "db", "failover drill", maintenance: true) with { StartsAt = startsAt });
        await Host.WaitForStoreAsync(s => s.Silences.Count == 1, "the pending window");
        if (DateTimeOffset.UtcNow < startsAt - TimeSpan.FromSeconds(1))
        {
            // Not started yet (checked only while clearly before the start, so a slow machine cannot make it flaky).
            Assert.Empty(cut.FindAll("[data-testid=maintenance-banner]"));
        }

        cut.WaitForAssertion(() => Assert.Contains("failover drill", cut.Find("[data-testid=maintenance-banner]").TextContent, StringComparison.Ordinal), Timeout);

        await DisposeComponentsAsync();
        Assert.Equal(before, Host.ViewSubscribers);
    }

    private static SilenceRequest Request(string name, string value, string comment, bool maintenance) =>
        new([new SilenceMatcher(name, "=", value)], null, null, TimeSpan.FromHours(3), comment, maintenance);
}
