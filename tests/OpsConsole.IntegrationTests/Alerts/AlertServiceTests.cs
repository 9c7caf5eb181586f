using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Audit;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Alerts;

/// <summary>Taking ownership: ack, unack, notes and manual resolve are authorized, audited, on the timeline and live.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertServiceTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private string Db => Postgres.SharedConnectionString;

    [Fact]
    public async Task Ack_unack_note_and_resolve_are_audited_on_the_timeline_in_order_and_shown_live()
    {
        await Console.IngestAsync(AlertTesting.Ingested("DiskFull", AlertState.Firing, AlertTesting.Start, ("instance", "db-1")));
        var id = await AlertTesting.AlertIdAsync(Db, "DiskFull");
        var store = Console.Services.GetRequiredService<AlertStore>();
        var renders = 0;
        using var subscription = store.OnAlertsChanged(() =>
        {
            Interlocked.Increment(ref renders);
            return Task.CompletedTask;
        });
        var oncall = TestPrincipals.Of("olga", ConsoleRoles.OnCall);
        var sre = TestPrincipals.Of("sam", ConsoleRoles.Sre);

        var acked = await ActAsync(s => s.AcknowledgeAsync(oncall, id, "looking at it"));
        Assert.Equal(("olga", "looking at it"), (acked.Alert.Ack!.By, acked.Alert.Ack.Note));
        await AlertTesting.WaitUntilAsync(() => Task.FromResult(store.Current.Find(id)?.Ack?.By == "olga"), "the store showing olga's ack");
        Assert.True(Volatile.Read(ref renders) > 0);

        var taken = await ActAsync(s => s.AcknowledgeAsync(sre, id, null));
        Assert.Equal("sam", taken.Alert.Ack!.By);
        var unacked = await ActAsync(s => s.UnacknowledgeAsync(sre, id));
        Assert.Null(unacked.Alert.Ack);
        await AlertTesting.WaitUntilAsync(() => Task.FromResult(store.Current.Find(id) is { Ack: null }), "the store showing no ack");
        await ActAsync(s => s.AddNoteAsync(oncall, id, "disk grows 2 GB/h"));
        var resolved = await ActAsync(s => s.ResolveAsync(sre, id, "cleaned up by hand"));

        Assert.Equal((AlertState.Resolved, "sam"), (resolved.Alert.State, resolved.Alert.ResolvedBy));
        Assert.Equal(
            [
                (AlertTimelineKinds.StateChanged, "alertmanager:tests", (string?)"received from http://alertmanager:9093 (receiver console)"),
                (AlertTimelineKinds.Acknowledged, "olga", "looking at it"),
                (AlertTimelineKinds.Acknowledged, "sam", null),
                (AlertTimelineKinds.Unacknowledged, "sam", null),
                (AlertTimelineKinds.Note, "olga", "disk grows 2 GB/h"),
                (AlertTimelineKinds.ResolvedManually, "sam", "cleaned up by hand"),
            ],
            resolved.Timeline.Select(t => (t.Kind, t.Actor, t.Text)));
        var target = $"target_type = 'alert' AND target_id = '{id}'";
        Assert.Equal(2, (await AuditLog.WaitForCountAsync(Db, $"action = 'alerts.acknowledged' AND {target}", 2)).Count);
        var unack = await AuditLog.WaitForAsync(Db, $"action = 'alerts.unacknowledged' AND {target}");
        Assert.Equal(("sam", "sam"), (unack.ActorName, AuditCanonical.ParseDetails(unack.Details)["previousOwner"]));
        var note = await AuditLog.WaitForAsync(Db, $"action = 'alerts.note_added' AND {target}");
        Assert.Equal("disk grows 2 GB/h", AuditCanonical.ParseDetails(note.Details)["text"]);
        var manual = await AuditLog.WaitForAsync(Db, $"action = 'alerts.resolved_manually' AND {target}");
        Assert.Equal(("sam", AuditOutcome.Succeeded), (manual.ActorName, manual.Outcome));

        // Resolved is final for ownership, and a late copy of the same episode from Alertmanager does not bring it back.
        var conflict = await Assert.ThrowsAsync<AlertRequestException>(() => ActAsync(s => s.AcknowledgeAsync(oncall, id, null)));
        Assert.Equal(AlertProblem.Conflict, conflict.Problem);
        Assert.Equal(0, (await Console.IngestAsync(AlertTesting.Ingested("DiskFull", AlertState.Firing, AlertTesting.Start, ("instance", "db-1")))).Changed);
        Assert.Equal(0, await AlertTesting.ScalarAsync(Db, "SELECT count(*) FROM console.alerts WHERE name = 'DiskFull' AND state <> 'resolved'"));
    }

    [Fact]
    public async Task Rule_alerts_cannot_be_resolved_by_hand_and_a_note_needs_text()
    {
        await Console.ReportAsync(AlertTesting.Rule("HighErrorRatio", AlertState.Firing, AlertTesting.Start, ("job", "sampleshop")));
        var id = await AlertTesting.AlertIdAsync(Db, "HighErrorRatio");
        var sre = TestPrincipals.Of("sam", ConsoleRoles.Sre);

        Assert.Equal(AlertProblem.Conflict, (await Assert.ThrowsAsync<AlertRequestException>(() => ActAsync(s => s.ResolveAsync(sre, id)))).Problem);
        var empty = await Assert.ThrowsAsync<AlertRequestException>(() => ActAsync(s => s.AddNoteAsync(sre, id, "  ")));
        Assert.Equal((AlertProblem.Invalid, "text"), (empty.Problem, empty.Field));
        Assert.Equal(AlertProblem.NotFound, (await Assert.ThrowsAsync<AlertRequestException>(() => ActAsync(s => s.AcknowledgeAsync(sre, id + 1000, null)))).Problem);
        Assert.Equal(AlertState.Firing, (await Console.DetailAsync(id)).Alert.State);
    }

    [Fact]
    public async Task A_viewer_may_read_but_not_act_and_the_refusal_is_audited()
    {
        await Console.ReportAsync(AlertTesting.Rule("HighErrorRatio", AlertState.Firing, AlertTesting.Start));
        var id = await AlertTesting.AlertIdAsync(Db, "HighErrorRatio");
        var viewer = TestPrincipals.Of("vic", ConsoleRoles.Viewer);

        Assert.NotNull(await ReadAsync(s => s.GetAsync(viewer, id)));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => ActAsync(s => s.AcknowledgeAsync(viewer, id, null)));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => ReadAsync(s => s.GetAsync(TestPrincipals.Of("dana", ConsoleRoles.Display), id)));

        var denied = await AuditLog.WaitForCountAsync(Db, "action = 'alerts.access' AND outcome = 'denied'", 2);
        Assert.Contains(denied, r => r.ActorName == "vic");
        Assert.Null((await Console.DetailAsync(id)).Alert.Ack);
    }

    private async Task<AlertDetail> ActAsync(Func<AlertService, Task<AlertDetail>> action)
    {
        await using var scope = Console.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<AlertService>());
    }

    private async Task<T> ReadAsync<T>(Func<AlertService, Task<T>> action)
    {
        await using var scope = Console.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<AlertService>());
    }
}
