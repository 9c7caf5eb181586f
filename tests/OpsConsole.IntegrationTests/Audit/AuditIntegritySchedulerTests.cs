using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Audit;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Audit;

/// <summary>The leader-elected scheduler, with intervals of seconds: checkpoints appear by themselves, and a broken log raises the alert.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditIntegritySchedulerTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private static readonly Dictionary<string, string?> FastSchedule = new()
    {
        ["Audit:FirstRunDelay"] = "00:00:00",
        ["Audit:CheckpointInterval"] = "00:00:01",
        ["Audit:VerifyInterval"] = "00:00:02",
    };

    protected override Task<TestConsole> StartConsoleAsync() => TestConsole.StartAsync(Postgres.SharedConnectionString, FastSchedule);

    [Fact]
    public async Task Only_one_of_two_instances_leads_and_it_writes_audited_checkpoints_and_verifications_as_the_system()
    {
        await using var second = await TestConsole.StartAsync(Postgres.SharedConnectionString, FastSchedule);
        await second.WaitForReadinessAsync();
        await AuditIntegrityTests.RecordVariedAsync(Console, 5);

        await WaitUntilAsync(() => Leaders(second) == 1, "one leader");
        var checkpoint = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'audit.checkpoint.created'");
        Assert.Equal(AuditActorType.System, checkpoint.ActorType);
        var verified = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'audit.verified' AND outcome = 'succeeded'");
        Assert.Equal(AuditActorType.System, verified.ActorType);
        Assert.Equal("scheduled", AuditCanonical.ParseDetails(verified.Details)["trigger"]);
        Assert.Equal(1, Leaders(second));

        // The page's "last scheduled verification" reads it back from the log.
        await using var scope = Console.Services.CreateAsyncScope();
        var last = await scope.ServiceProvider.GetRequiredService<IAuditIntegrity>().LastScheduledVerificationAsync(TestPrincipals.Of("a", ConsoleRoles.Admin));
        Assert.NotNull(last);
        Assert.True(last.Ok);
        Assert.Equal("scheduled", last.Trigger);
    }

    [Fact]
    public async Task A_scheduled_verification_of_a_tampered_log_raises_a_critical_console_alert_and_audits_it()
    {
        await AuditIntegrityTests.RecordVariedAsync(Console, 20);
        await using (var connection = new NpgsqlConnection(Postgres.SharedConnectionString))
        {
            await connection.OpenAsync();
            await using var tamper = new NpgsqlCommand(
                "SET session_replication_role = replica; UPDATE console.audit_log SET actor_name = 'mallory' WHERE sequence = 3; RESET session_replication_role;",
                connection);
            await tamper.ExecuteNonQueryAsync();
        }

        var board = Console.Services.GetRequiredService<ConsoleAlertBoard>();
        await WaitUntilAsync(() => board.Find(AuditIntegrityService.AlertName) is not null, "the integrity alert");

        var alert = board.Find(AuditIntegrityService.AlertName)!;
        Assert.Equal(ConsoleAlertSeverity.Critical, alert.Severity);
        Assert.Contains("record 3", alert.Summary, StringComparison.Ordinal);
        var failed = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'audit.verified' AND outcome = 'failed'");
        Assert.Equal(AuditActorType.System, failed.ActorType);
        Assert.Equal("3", AuditCanonical.ParseDetails(failed.Details)["firstBrokenSequence"]);
        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'console.alert.raised' AND target_id = 'audit.integrity'");
    }

    private int Leaders(TestConsole second) =>
        new[] { Console, second }.Count(c => c.Services.GetRequiredService<AuditIntegrityScheduler>().IsLeader);

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }
}
