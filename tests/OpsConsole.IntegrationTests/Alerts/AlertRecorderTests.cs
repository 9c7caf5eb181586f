using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Audit;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Alerts;

/// <summary>The sink records state changes only, once each, with timeline and audit, also when two consoles report the same.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertRecorderTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private string Db => Postgres.SharedConnectionString;

    [Fact]
    public async Task Rule_alert_transitions_are_recorded_once_each_with_timeline_and_audit()
    {
        var activeAt = AlertTesting.Start;
        var pending = AlertTesting.Rule("HighErrorRatio", AlertState.Pending, activeAt, ("job", "sampleshop"));
        await Console.ReportAsync(pending);
        await Console.ReportAsync(pending);
        await Console.ReportAsync(pending with { State = AlertState.Firing, FiredAt = activeAt.AddMinutes(5) });
        await Console.ReportAsync(pending with { State = AlertState.Firing, FiredAt = activeAt.AddMinutes(5), Value = 0.09 });
        // A recorder without this instance's memory of what it confirmed (a restart) still writes nothing new for a repeat.
        await Console.Services.GetRequiredService<AlertRecorder>().RecordAsync(
            AuditActors.System, AlertTesting.RuleKeyOf("HighErrorRatio"), [pending with { State = AlertState.Firing, FiredAt = activeAt.AddMinutes(5) }], null, CancellationToken.None);
        await Console.ReportAsync(pending with { State = AlertState.Resolved, ResolvedAt = activeAt.AddMinutes(9) });
        await Console.ReportAsync(pending with { State = AlertState.Resolved, ResolvedAt = activeAt.AddMinutes(9) });

        var id = await AlertTesting.AlertIdAsync(Db, "HighErrorRatio");
        Assert.Equal(1, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts"));
        var detail = await Console.DetailAsync(id);
        Assert.Equal(AlertState.Resolved, detail.Alert.State);
        Assert.Equal(activeAt, detail.Alert.ActiveAt);
        Assert.Equal(activeAt.AddMinutes(5), detail.Alert.FiredAt);
        Assert.Equal(activeAt.AddMinutes(9), detail.Alert.ResolvedAt);
        Assert.Equal(
            [(null, AlertState.Pending), (AlertState.Pending, AlertState.Firing), (AlertState.Firing, AlertState.Resolved)],
            detail.Timeline.Select(t => (t.FromState, t.ToState)));
        Assert.All(detail.Timeline, t => Assert.Equal((AlertTimelineKinds.StateChanged, "system"), (t.Kind, t.Actor)));
        var audited = await AuditLog.WaitForCountAsync(Db, $"action = 'alerts.state_changed' AND target_id = '{id}'", 3);
        Assert.Equal(3, audited.Count);
        Assert.Equal(["pending", "firing", "resolved"], audited.Select(r => AuditCanonical.ParseDetails(r.Details)["to"]));
        Assert.All(audited, r => Assert.Equal(AuditActorType.System, r.ActorType));
    }

    [Fact]
    public async Task A_pending_alert_left_out_of_the_next_report_is_closed_and_one_that_fired_resolves()
    {
        var pending = AlertTesting.Rule("HighLatencyP95", AlertState.Pending, AlertTesting.Start, ("job", "sampleshop"), ("instance", "a"));
        var firing = AlertTesting.Rule("HighLatencyP95", AlertState.Firing, AlertTesting.Start, ("job", "sampleshop"), ("instance", "b")) with { FiredAt = AlertTesting.Start.AddMinutes(1) };
        await Console.ReportAsync(pending, firing);

        // The rule now holds neither (as Prometheus, it drops the pending one without a resolved event).
        await Console.ReportAsync("HighLatencyP95");

        Assert.Equal(0, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts WHERE state <> 'resolved'"));
        Assert.Equal(2, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts WHERE state = 'resolved' AND resolved_at IS NOT NULL"));

        // After a restart the recorder knows nothing in memory: the store's own rows tell it what the rule held.
        var again = pending with { ActiveAt = AlertTesting.Start.AddMinutes(10) };
        await Console.ReportAsync(again);
        await using var restarted = await TestConsole.StartAsync(Db);
        await restarted.WaitForReadinessAsync();
        await restarted.ReportAsync("HighLatencyP95");
        Assert.Equal(0, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts WHERE state <> 'resolved'"));
    }

    [Fact]
    public async Task Two_consoles_on_one_database_reporting_the_same_transitions_record_each_once()
    {
        await using var second = await TestConsole.StartAsync(Db);
        await second.WaitForReadinessAsync();
        var activeAt = AlertTesting.Start;
        var alerts = Enumerable.Range(0, 20)
            .Select(i => AlertTesting.Rule("TargetDown", AlertState.Pending, activeAt, ("job", "sampleshop"), ("instance", $"10.0.0.{i}:80")))
            .ToArray();
        foreach (var state in new[] { AlertState.Pending, AlertState.Firing, AlertState.Resolved })
        {
            var batch = alerts.Select(a => a with { State = state, FiredAt = state == AlertState.Pending ? null : activeAt.AddMinutes(1), ResolvedAt = state == AlertState.Resolved ? activeAt.AddMinutes(2) : null }).ToArray();
            // Opposite orders, at the same moment: the database decides who records each change.
            await Task.WhenAll(Console.ReportAsync(batch), second.ReportAsync([.. batch.Reverse()]));
        }

        Assert.Equal(20, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts WHERE state = 'resolved'"));
        Assert.Equal(60, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alert_timeline WHERE kind = 'state_changed'"));
        Assert.Equal(0, await AlertTesting.ScalarAsync(Db,
            "SELECT count(*) FROM (SELECT alert_id, to_state FROM console.alert_timeline GROUP BY alert_id, to_state HAVING count(*) > 1) dup"));
        await AuditLog.WaitForCountAsync(Db, "action = 'alerts.state_changed'", 60);
        Assert.Equal(60, (await AuditLog.ReadAsync(Db, "action = 'alerts.state_changed'")).Count);
    }

    [Fact]
    public async Task A_new_episode_after_resolving_is_a_new_alert_and_the_first_stays_in_history()
    {
        var first = AlertTesting.Rule("HighLatencyP95", AlertState.Firing, AlertTesting.Start, ("job", "sampleshop"));
        await Console.ReportAsync(first);
        await Console.ReportAsync(first with { State = AlertState.Resolved, ResolvedAt = AlertTesting.Start.AddMinutes(3) });
        await Console.ReportAsync(first with { ActiveAt = AlertTesting.Start.AddMinutes(6), FiredAt = AlertTesting.Start.AddMinutes(7) });

        Assert.Equal(2, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts WHERE name = 'HighLatencyP95'"));
        Assert.Equal(1, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts WHERE name = 'HighLatencyP95' AND state = 'firing'"));
        await using var scope = Console.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<AlertService>();
        var reader = TestPrincipals.Of("reader", Core.Access.ConsoleRoles.Viewer);
        var history = await service.SearchAsync(reader, AlertSearch.Parse("resolved", ["alertname=\"HighLatencyP95\""], null, null, null));
        Assert.Single(history.Items);
        var overlapping = await service.SearchAsync(reader, AlertSearch.Parse(null, ["job=~\"sample.*\""], AlertTesting.Start.AddMinutes(4).ToString("O"), null, null));
        Assert.Equal([AlertState.Firing], overlapping.Items.Select(a => a.State));
    }

    [Fact]
    public async Task The_consoles_own_alerts_become_console_alerts_and_resolve_with_the_board()
    {
        var board = Console.Services.GetRequiredService<ConsoleAlertBoard>();
        board.Raise("audit.integrity", ConsoleAlertSeverity.Critical, "record 5 changed", "audit");

        await AlertTesting.WaitUntilAsync(
            async () => await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts WHERE source = 'console' AND name = 'audit.integrity' AND state = 'firing'") == 1,
            "the console alert firing in the store");
        var id = await AlertTesting.AlertIdAsync(Db, "audit.integrity");
        var alert = (await Console.DetailAsync(id)).Alert;
        Assert.Equal(("critical", "record 5 changed"), (alert.Severity, alert.Annotations["summary"]));

        Assert.True(board.Resolve("audit.integrity"));
        await AlertTesting.WaitUntilAsync(
            async () => (await Console.DetailAsync(id)).Alert.State == AlertState.Resolved, "the console alert resolved in the store");
    }

    [Fact]
    public async Task The_history_purge_removes_resolved_alerts_older_than_the_retention_with_their_timelines()
    {
        var old = AlertTesting.Ingested("Old", AlertState.Firing, AlertTesting.Start);
        await Console.IngestAsync(old);
        await Console.IngestAsync(old with { State = AlertState.Resolved, ResolvedAt = DateTimeOffset.UtcNow });
        await Console.IngestAsync(AlertTesting.Ingested("Current", AlertState.Firing, AlertTesting.Start));
        await AlertTesting.ScalarAsync(Db, "UPDATE console.alerts SET resolved_at = now() - interval '31 days' WHERE name = 'Old' RETURNING 1");

        var (alerts, _, _) = await Console.Services.GetRequiredService<AlertHistoryPurger>().PurgeAsync(CancellationToken.None);

        Assert.Equal(1, alerts);
        Assert.Equal(0, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts WHERE name = 'Old'"));
        Assert.Equal(0, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alert_timeline t LEFT JOIN console.alerts a ON a.id = t.alert_id WHERE a.id IS NULL"));
        Assert.Equal(1, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts WHERE name = 'Current'"));
        await AuditLog.WaitForAsync(Db, "action = 'alerts.history_purged'");
    }
}
