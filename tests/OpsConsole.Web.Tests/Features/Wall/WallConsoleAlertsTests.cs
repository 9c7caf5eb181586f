using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Live;
using OpsConsole.Web.Features.Wall;

namespace OpsConsole.Web.Tests.Features.Wall;

public sealed class WallConsoleAlertsTests : BunitContext
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly LiveEventBus _bus = new();
    private readonly ConsoleAlertBoard _board;

    public WallConsoleAlertsTests()
    {
        _board = new ConsoleAlertBoard(_bus, TimeProvider.System);
        Services.AddSingleton<ILiveEvents>(_bus);
        Services.AddSingleton(_board);
    }

    [Fact]
    public async Task Shows_all_clear_then_a_raised_alert_live_then_all_clear_and_unsubscribes_on_dispose()
    {
        var cut = Render<WallConsoleAlerts>();
        Assert.Equal("No console alerts", cut.Find("[data-testid=wall-alerts]").TextContent.Trim());
        Assert.Equal(1, _bus.Statistics.Topics[ConsoleAlertTopics.Changed.Name].Subscribers);

        _board.Raise("audit.integrity", ConsoleAlertSeverity.Critical, "Audit log integrity broken at record 42", "audit");
        cut.WaitForAssertion(() => Assert.Contains("Audit log integrity broken at record 42", cut.Find("[data-testid=wall-alert]").TextContent, StringComparison.Ordinal), Timeout);

        _board.Resolve("audit.integrity");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=wall-alert]")), Timeout);

        await DisposeComponentsAsync();
        Assert.Equal(0, _bus.Statistics.Topics[ConsoleAlertTopics.Changed.Name].Subscribers);
    }
}
