using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Web.Features.Alerts;

namespace OpsConsole.Web.Tests.Features.Alerts;

public sealed class AlertToastsTests(AlertsHost host) : AlertsComponentTest(host)
{
    [Fact]
    public async Task Toasts_an_alert_that_starts_firing_but_not_those_firing_at_load_nor_silenced_ones()
    {
        await Host.FireAsync(AlertsHost.Firing("AlreadyFiring", "critical", TimeSpan.FromMinutes(30)));
        await Host.WaitForStoreAsync(s => s.Alerts.Count == 1, "the first alert");
        await Host.Commands.CreateSilenceAsync(AlertsHost.User("alice", ConsoleRoles.OnCall),
            new SilenceRequest([new SilenceMatcher("alertname", "=", "Silenced")], null, null, TimeSpan.FromHours(1), "known"));
        var snackbar = Services.GetRequiredService<ISnackbar>();
        var providers = Render<MudSnackbarProvider>();
        Render<AlertToasts>();

        // One notification with both: the silenced one and a new one arrive in the same store update.
        var ids = await Host.FireAsync(
            AlertsHost.Firing("Silenced", "critical", TimeSpan.Zero),
            AlertsHost.Firing("DiskFull", "warning", TimeSpan.Zero, ("instance", "db-1")));

        providers.WaitForAssertion(() => Assert.Single(providers.FindAll("[data-testid=alert-toast]")), Timeout);
        var toast = providers.Find("[data-testid=alert-toast]");
        Assert.Contains("warning: DiskFull is firing", toast.TextContent, StringComparison.Ordinal);
        Assert.Contains("DiskFull summary", toast.TextContent, StringComparison.Ordinal);
        var diskFull = Host.Store.Current.Alerts.Single(a => a.Name == "DiskFull").Id;
        Assert.Contains(diskFull, ids);
        Assert.Equal($"/alerts/{diskFull}", toast.QuerySelector("a")!.GetAttribute("href"));
        Assert.Equal(Severity.Warning, Assert.Single(snackbar.ShownSnackbars).Severity);
    }
}
