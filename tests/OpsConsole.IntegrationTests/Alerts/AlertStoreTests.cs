using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Alerts;

internal static class AlertViewLabels
{
    public static string? Job(this AlertView alert) => alert.Labels["job"];
}

/// <summary>The store's view follows the database while a rule's value moves at every evaluation (a demo's usual case).</summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertStoreTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    [Fact]
    public async Task A_state_change_reaches_the_view_while_values_keep_changing()
    {
        var store = Console.Services.GetRequiredService<AlertStore>();
        await store.Loaded.WaitAsync(TimeSpan.FromSeconds(30));
        var noisy = AlertTesting.Rule("Noisy", AlertState.Pending, AlertTesting.Start, ("job", "shop"));
        await Console.ReportAsync(noisy); // each its own rule: a rule's report holds all its alerts
        await Console.ReportAsync(AlertTesting.Rule("ErrorBurst", AlertState.Pending, AlertTesting.Start, ("job", "shop")));
        await AlertTesting.WaitUntilAsync(() => Task.FromResult(store.Current.Alerts.Count(a => a.Job() == "shop") == 2), "both pending alerts in the view");

        // Another rule's alert reports a new value every 10 ms (each one rebuilds the view), as busy groups do, and
        // meanwhile this alert fires. The state change must reach the view all the same, within ten seconds.
        using var stop = new CancellationTokenSource();
        var values = Task.Run(async () =>
        {
            for (var i = 1; !stop.IsCancellationRequested; i++)
            {
                await Console.ReportAsync(noisy with { Value = 0.07 + (i * 1e-6) });
                await Task.Delay(10, CancellationToken.None);
            }
        });
        try
        {
            await AlertTesting.WaitUntilAsync(() => Task.FromResult(store.Current.Version > 0), "the view rebuilt with new values");
            await Console.ReportAsync(AlertTesting.Rule("ErrorBurst", AlertState.Firing, AlertTesting.Start, ("job", "shop")));
            await AlertTesting.WaitUntilAsync(
                () => Task.FromResult(store.Current.Alerts.Any(a => a.Name == "ErrorBurst" && a.State == AlertState.Firing && a.Notifies)),
                "the view showing the alert firing while other values kept changing", TimeSpan.FromSeconds(10));
        }
        finally
        {
            await stop.CancelAsync();
            await values;
        }
    }
}
