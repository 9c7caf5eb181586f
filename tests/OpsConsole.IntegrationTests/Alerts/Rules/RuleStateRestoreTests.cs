using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Alerts.Rules;

/// <summary>A restart of the console (a deploy) must not send firing alerts back to pending for another `for`.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RuleStateRestoreTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private readonly DirectoryInfo _rules = Directory.CreateTempSubdirectory("opsconsole-restore-");

    private string RuleFile => Path.Combine(_rules.FullName, "always.rules.yml");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _rules.Delete(recursive: true);
    }

    private void WriteRule(string holdFor) => File.WriteAllText(RuleFile, $"""
        groups:
          - name: always
            interval: 1s
            rules:
              - alert: AlwaysOn
                expr: vector(1)
                for: {holdFor}
                labels: {"{"}severity: warning{"}"}
        """);

    private Task<TestConsole> StartWithRulesAsync() =>
        TestConsole.StartAsync(Postgres.SharedConnectionString, new Dictionary<string, string?> { ["Alerts:RuleFiles:0"] = RuleFile });

    [Fact]
    public async Task A_firing_rule_alert_stays_firing_across_a_restart_with_its_times_and_no_new_timeline_entry()
    {
        WriteRule("0s");
        long id;
        DateTimeOffset activeAt;
        await using (var first = await StartWithRulesAsync())
        {
            await first.WaitForReadinessAsync();
            var store = first.Services.GetRequiredService<AlertStore>();
            await AlertTesting.WaitUntilAsync(
                () => Task.FromResult(store.Current.Alerts.Any(a => a.Name == "AlwaysOn" && a.State == AlertState.Firing)), "AlwaysOn firing");
            var alert = store.Current.Alerts.Single(a => a.Name == "AlwaysOn");
            (id, activeAt) = (alert.Id, alert.ActiveAt);
        }

        // The restarted console holds the rule for ten minutes: without the store's state it would be pending again.
        WriteRule("10m");
        await using var second = await StartWithRulesAsync();
        await second.WaitForReadinessAsync();
        var manager = second.Services.GetRequiredService<AlertRuleManager>();
        await AlertTesting.WaitUntilAsync(
            () => Task.FromResult(manager.Status.Groups.SingleOrDefault()?.Rules[0].LastEvaluation is not null && manager.Status.Groups[0].LastEvaluation is not null),
            "the restarted console's first evaluation");
        await AlertTesting.WaitUntilAsync(
            () => Task.FromResult(manager.Status.Groups[0].Rules[0].Alerts.Count == 1), "the rule's alert after the first evaluation");

        var held = Assert.Single(manager.Status.Groups[0].Rules[0].Alerts);
        Assert.Equal((AlertState.Firing, activeAt), (held.State, held.ActiveAt));
        var detail = await second.DetailAsync(id);
        Assert.Equal(AlertState.Firing, detail.Alert.State);
        Assert.Equal([(null, AlertState.Firing)], detail.Timeline.Select(t => (t.FromState, t.ToState)));
        Assert.Equal(1, await AlertTesting.ScalarAsync(Postgres.SharedConnectionString, "SELECT count(*) FROM console.alerts WHERE name = 'AlwaysOn'"));
    }
}
