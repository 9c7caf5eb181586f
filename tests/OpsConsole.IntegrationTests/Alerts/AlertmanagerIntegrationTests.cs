using System.Globalization;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Alerts;

/// <summary>
/// A real Alertmanager whose webhook receiver is the console (bearer token as http_config sends it): an alert added with
/// amtool shows up firing with Alertmanager's own fingerprint, and resolving it in Alertmanager resolves it here.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertmanagerIntegrationTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private const string Token = "alertmanager-integration-token-0123";

    protected override Task<TestConsole> StartConsoleAsync() =>
        TestConsole.StartAsync(Postgres.SharedConnectionString, new Dictionary<string, string?> { ["Alerts:Alertmanager:BearerTokens:local"] = Token });

    [Fact]
    public async Task An_alert_added_with_amtool_fires_in_the_console_and_resolves_when_Alertmanager_resolves_it()
    {
        await using var alertmanager = await AlertmanagerServer.StartAsync($"""
            route:
              receiver: console
              group_by: ['alertname']
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: console
                webhook_configs:
                  - url: '{Console.BaseAddress.ToString().TrimEnd('/')}/api/v1/alerts/alertmanager'
                    send_resolved: true
                    http_config:
                      authorization:
                        credentials: '{Token}'
            """);
        using var api = Console.Api(await Console.CreateTokenForNewUserAsync("am-reader", ConsoleRoles.Viewer));
        var startsAt = DateTimeOffset.UtcNow.AddSeconds(-5).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

        await alertmanager.AmtoolAsync("alert", "add", "alertname=AmtoolTest", "job=sampleshop", "severity=warning",
            "--annotation=summary=added with amtool", $"--start={startsAt}");

        System.Text.Json.JsonElement alert = default;
        await AlertTesting.WaitUntilAsync(async () =>
        {
            var page = await (await api.GetAsync(new Uri("/api/v1/alerts?state=firing&filter=alertname%3D%22AmtoolTest%22", UriKind.Relative))).JsonAsync();
            var items = page.GetProperty("items");
            if (items.GetArrayLength() == 0)
            {
                return false;
            }

            alert = items[0];
            return true;
        }, "the amtool alert firing in the console\n" + alertmanager.RecentLog(), TimeSpan.FromSeconds(60));

        Assert.Equal("alertmanager", alert.GetProperty("source").GetString());
        Assert.Equal("added with amtool", alert.GetProperty("annotations").GetProperty("summary").GetString());
        Assert.StartsWith("http://", alert.GetProperty("externalUrl").GetString(), StringComparison.Ordinal);
        // The contract's fingerprint is Alertmanager's: the same labels give the same 16 hex digits.
        Assert.Equal(await alertmanager.FingerprintAsync("AmtoolTest"), alert.GetProperty("fingerprint").GetString());
        var id = alert.GetProperty("id").GetInt64();

        var ended = DateTimeOffset.UtcNow.AddSeconds(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        await alertmanager.AmtoolAsync("alert", "add", "alertname=AmtoolTest", "job=sampleshop", "severity=warning",
            "--annotation=summary=added with amtool", $"--start={startsAt}", $"--end={ended}");

        await AlertTesting.WaitUntilAsync(
            async () => (await Console.DetailAsync(id)).Alert.State == AlertState.Resolved,
            "the console showing the alert resolved\n" + alertmanager.RecentLog(), TimeSpan.FromSeconds(60));
        var detail = await Console.DetailAsync(id);
        Assert.Equal(["alertmanager:local", "alertmanager:local"], detail.Timeline.Select(t => t.Actor));
        Assert.Equal(1, await AlertTesting.ScalarAsync(Postgres.SharedConnectionString, "SELECT count(*) FROM console.alerts"));
    }
}
