using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Operations;
using OpsConsole.IntegrationTests.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Operations;

/// <summary>The operation layer against the real database and runner: request, lock per target, approval, cancel, sweep.</summary>
[Collection(PostgresCollection.Name)]
public sealed class OperationLayerTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Alice = TestPrincipals.Of("sre-alice", ConsoleRoles.Sre, "user-alice");
    private static readonly System.Security.Claims.ClaimsPrincipal Bob = TestPrincipals.Of("admin-bob", ConsoleRoles.Admin, "user-bob");

    private OperationGates Gates => Console.Services.GetRequiredService<OperationGates>();

    protected override Task<TestConsole> StartConsoleAsync() =>
        TestConsole.StartAsync(Postgres.SharedConnectionString, new Dictionary<string, string?> { ["Operations:FlushInterval"] = "00:00:00.100" }, OperationGates.Register);

    [Fact]
    public async Task A_requested_operation_runs_reports_its_log_and_progress_and_its_outcome_is_audited()
    {
        var op = await RequestAsync(Alice, "database:alpha");
        Assert.Equal(OperationState.Queued, op.State);

        await Gates.Started(op.Id).Task.WaitAsync(TimeSpan.FromSeconds(30));
        await AlertTesting.WaitUntilAsync(async () => (await GetAsync(op.Id)) is { Progress: 0.5, Step: "halfway", State: OperationState.Running }, "progress flushed");
        Gates.Release(op.Id).SetResult(true);
        var done = await WaitForFinalAsync(op.Id);

        Assert.Equal((OperationState.Succeeded, "gate opened", 1.0), (done.State, done.Result, done.Progress));
        Assert.NotNull(done.StartedAt);
        Assert.NotNull(done.EndedAt);
        var log = await ServiceAsync(s => s.ReadLogAsync(Alice, op.Id));
        Assert.Equal([1, 2, 3], log.Select(l => l.Seq));
        Assert.Contains("step one", log.Select(l => l.Text));
        Assert.StartsWith("succeeded", log[^1].Text, StringComparison.Ordinal);
        var requested = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, $"action = 'operations.requested' AND target_id = '{op.Id}'");
        Assert.Equal("sre-alice", requested.ActorName);
        var succeeded = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, $"action = 'operations.succeeded' AND target_id = '{op.Id}'");
        Assert.Equal("database:alpha", AuditCanonical.ParseDetails(succeeded.Details)["target"]);
    }

    [Fact]
    public async Task A_second_request_on_a_busy_target_is_refused_naming_the_running_operation_while_other_targets_run()
    {
        var first = await RequestAsync(Alice, "database:alpha");
        await Gates.Started(first.Id).Task.WaitAsync(TimeSpan.FromSeconds(30));

        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => RequestAsync(Bob, "database:alpha"));
        Assert.Equal(OperationRefusal.TargetBusy, refused.Reason);
        Assert.Equal(first.Id, refused.BlockingOperation);
        Assert.Contains("Gate database:alpha", refused.Message, StringComparison.Ordinal);
        Assert.Contains("requested by sre-alice", refused.Message, StringComparison.Ordinal);
        Assert.Contains("is running", refused.Message, StringComparison.Ordinal);

        var other = await RequestAsync(Bob, "database:beta");
        await Gates.Started(other.Id).Task.WaitAsync(TimeSpan.FromSeconds(30));
        Gates.Release(first.Id).SetResult(true);
        Gates.Release(other.Id).SetResult(false);
        Assert.Equal(OperationState.Succeeded, (await WaitForFinalAsync(first.Id)).State);
        var failed = await WaitForFinalAsync(other.Id);
        Assert.Equal((OperationState.Failed, "the gate said no"), (failed.State, failed.Error));
        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, $"action = 'operations.failed' AND target_id = '{other.Id}' AND outcome = 'failed'");

        var again = await RequestAsync(Bob, "database:alpha");
        Assert.Equal(OperationState.Queued, again.State);
    }

    [Fact]
    public async Task Only_a_different_person_who_may_act_approves_and_both_names_are_recorded()
    {
        var op = await RequestAsync(Alice, "database:prod", needsApproval: true);
        Assert.Equal(OperationState.AwaitingApproval, op.State);
        Assert.NotNull(op.ApprovalExpiresAt);

        var self = await Assert.ThrowsAsync<OperationRefusedException>(() => ServiceAsync(s => s.ApproveAsync(Alice, op.Id)));
        Assert.Equal(OperationRefusal.SelfApproval, self.Reason);
        // The same person through another name is still the same person: ids are compared, not names.
        var renamed = TestPrincipals.Of("alice-renamed", ConsoleRoles.Admin, "user-alice");
        // The page's hint agrees with the service: the requester (by id) sees why approving is not theirs.
        Assert.Equal((true, true, false), (op.IsRequestedBy(Alice), op.IsRequestedBy(renamed), op.IsRequestedBy(Bob)));
        Assert.Equal(OperationRefusal.SelfApproval, (await Assert.ThrowsAsync<OperationRefusedException>(() => ServiceAsync(s => s.ApproveAsync(renamed, op.Id)))).Reason);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => ServiceAsync(s => s.ApproveAsync(TestPrincipals.Of("oncall-olga", ConsoleRoles.OnCall), op.Id)));
        var denied = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, $"action = 'operations.approved' AND target_id = '{op.Id}' AND outcome = 'denied'");
        Assert.Contains("different person", denied.Reason, StringComparison.Ordinal);
        Assert.Equal(OperationState.AwaitingApproval, (await GetAsync(op.Id)).State);
        Assert.False(Gates.Started(op.Id).Task.IsCompleted);

        var approved = await ServiceAsync(s => s.ApproveAsync(Bob, op.Id));
        Assert.Equal(("admin-bob", "sre-alice"), (approved.ApprovedBy, approved.RequestedBy));
        await Gates.Started(op.Id).Task.WaitAsync(TimeSpan.FromSeconds(30));
        Gates.Release(op.Id).SetResult(true);
        Assert.Equal(OperationState.Succeeded, (await WaitForFinalAsync(op.Id)).State);
        var record = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, $"action = 'operations.approved' AND target_id = '{op.Id}' AND outcome = 'succeeded'");
        Assert.Equal("admin-bob", record.ActorName);
        Assert.Equal("sre-alice", AuditCanonical.ParseDetails(record.Details)["requested_by"]);

        var twice = await Assert.ThrowsAsync<OperationRefusedException>(() => ServiceAsync(s => s.ApproveAsync(Bob, op.Id)));
        Assert.Equal(OperationRefusal.WrongState, twice.Reason);
    }

    [Fact]
    public async Task An_expired_request_cannot_be_approved_and_the_sweep_fails_it()
    {
        var op = await RequestAsync(Alice, "database:prod", needsApproval: true);
        await ExecuteAsync($"UPDATE console.operations SET approval_expires_at = now() - interval '1 second', requested_at = now() - interval '5 hours' WHERE id = '{op.Id}'");

        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => ServiceAsync(s => s.ApproveAsync(Bob, op.Id)));
        Assert.Equal(OperationRefusal.Expired, refused.Reason);

        await Console.Services.GetRequiredService<OperationRunner>().SweepAsync(CancellationToken.None);
        var swept = await GetAsync(op.Id);
        Assert.Equal(OperationState.Failed, swept.State);
        Assert.Contains("request it again", swept.Error, StringComparison.Ordinal);
        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, $"action = 'operations.expired' AND target_id = '{op.Id}'");
    }

    [Fact]
    public async Task Cancel_stops_a_running_operation_that_can_stop_and_a_waiting_one_at_once()
    {
        var running = await RequestAsync(Alice, "database:alpha");
        await Gates.Started(running.Id).Task.WaitAsync(TimeSpan.FromSeconds(30));
        var waiting = await RequestAsync(Alice, "database:beta", needsApproval: true);
        Assert.True(await PagesAsync(async s => s.CanCancel((await s.GetAsync(Bob, running.Id))!)));

        var asked = await ServiceAsync(s => s.CancelAsync(Bob, running.Id));
        Assert.True(asked.CancelRequested);
        var cancelled = await ServiceAsync(s => s.CancelAsync(Bob, waiting.Id));
        Assert.Equal((OperationState.Cancelled, "admin-bob"), (cancelled.State, cancelled.CancelledBy));

        var stopped = await WaitForFinalAsync(running.Id);
        Assert.Equal((OperationState.Cancelled, "admin-bob"), (stopped.State, stopped.CancelledBy));
        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, $"action = 'operations.cancelled' AND target_id = '{running.Id}' AND actor_name = 'admin-bob'");
        var again = await Assert.ThrowsAsync<OperationRefusedException>(() => ServiceAsync(s => s.CancelAsync(Bob, running.Id)));
        Assert.Equal(OperationRefusal.WrongState, again.Reason);
        Assert.False(await PagesAsync(s => Task.FromResult(s.CanCancel(stopped))));
    }

    [Fact]
    public async Task Viewers_see_operations_but_cannot_request_them()
    {
        var viewer = TestPrincipals.Of("viewer-vic", ConsoleRoles.Viewer);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => RequestAsync(viewer, "database:alpha"));
        var op = await RequestAsync(Alice, "database:alpha");
        var seen = await ServiceAsync(s => s.ListAsync(viewer, new OperationQuery()));
        Assert.Equal([op.Id], seen.Select(o => o.Id));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => ServiceAsync(s => s.ListAsync(TestPrincipals.Of("display", ConsoleRoles.Display), new OperationQuery())));
        Gates.Release(op.Id).TrySetResult(true);
    }

    [Fact]
    public async Task A_running_operation_whose_runner_died_is_failed_by_the_sweep_after_its_kind_cleaned_up()
    {
        // What a console killed mid-run leaves: a running row whose target lock nobody holds.
        var id = Guid.CreateVersion7();
        await ExecuteAsync(
            "INSERT INTO console.operations (id, kind, target, title, parameters, state, requested_by, requested_at, needs_approval, cancel_requested, started_at, run_by, log_lines, updated_at) " +
            $"VALUES ('{id}', '{GateOperation.KindName}', 'database:gamma', 'Gate database:gamma', '{{}}', 'Running', 'sre-alice', now(), false, false, now(), 'dead-host:4242', 0, now())");

        await Console.Services.GetRequiredService<OperationRunner>().SweepAsync(CancellationToken.None);

        var swept = await GetAsync(id);
        Assert.Equal((OperationState.Failed, OperationLifecycle.RestartedReason), (swept.State, swept.Error));
        Assert.Contains(id, Gates.CleanedUp);
        var log = await ServiceAsync(s => s.ReadLogAsync(Alice, id));
        Assert.Contains(log, l => l.Text.Contains("dead-host:4242", StringComparison.Ordinal) && l.Level == OperationLogLevel.Error);
        Assert.Contains(log, l => l.Text == "removed what the dead run left");
        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, $"action = 'operations.failed' AND target_id = '{id}'");
    }

    [Fact]
    public async Task The_sweep_leaves_alone_an_operation_whose_runner_is_alive()
    {
        var op = await RequestAsync(Alice, "database:alpha");
        await Gates.Started(op.Id).Task.WaitAsync(TimeSpan.FromSeconds(30));

        await Console.Services.GetRequiredService<OperationRunner>().SweepAsync(CancellationToken.None);

        Assert.Equal(OperationState.Running, (await GetAsync(op.Id)).State);
        Assert.DoesNotContain(op.Id, Gates.CleanedUp);
        Gates.Release(op.Id).SetResult(true);
        Assert.Equal(OperationState.Succeeded, (await WaitForFinalAsync(op.Id)).State);
    }

    private Task<OperationView> RequestAsync(System.Security.Claims.ClaimsPrincipal caller, string target, bool needsApproval = false) =>
        ServiceAsync(s => s.RequestAsync(caller, new OperationRequest(GateOperation.KindName, target, $"Gate {target}", needsApproval)));

    private async Task<OperationView> GetAsync(Guid id) => (await ServiceAsync(s => s.GetAsync(Alice, id)))!;

    private async Task<OperationView> WaitForFinalAsync(Guid id)
    {
        OperationView? last = null;
        await AlertTesting.WaitUntilAsync(async () => (last = await GetAsync(id)).IsFinal, $"operation {id} to finish");
        return last!;
    }

    private async Task<T> ServiceAsync<T>(Func<OperationService, Task<T>> call)
    {
        await using var scope = Console.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<OperationService>());
    }

    /// <summary>The service as the pages resolve it (<see cref="IOperationService"/>).</summary>
    private async Task<T> PagesAsync<T>(Func<IOperationService, Task<T>> call)
    {
        await using var scope = Console.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<IOperationService>());
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Postgres.SharedConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
