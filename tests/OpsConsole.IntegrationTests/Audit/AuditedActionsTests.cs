using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.Displays;
using OpsConsole.Core.Live;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Audit;

/// <summary>The one helper every state-changing service runs its actions through, against the real database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditedActionsTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private static readonly AccessRule Rule = new(ConsolePolicies.Administer, "test.things.access", "thing", "Things need the Admin role.");
    private static readonly LiveTopic<string> Topic = new("test.audited-actions");

    [Fact]
    public async Task A_refused_caller_is_audited_with_the_policy_and_the_work_never_runs()
    {
        var ran = false;
        await using var scope = Console.Services.CreateAsyncScope();
        var actions = scope.ServiceProvider.GetRequiredService<AuditedActions>();

        var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            actions.RunAsync(TestPrincipals.Of("viewer-vic", ConsoleRoles.Viewer), Rule, _ =>
            {
                ran = true;
                return Task.FromResult(1);
            }));

        Assert.Equal("Things need the Admin role.", refused.Message);
        Assert.False(ran);
        var record = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'test.things.access'");
        Assert.Equal((AuditOutcome.Denied, "viewer-vic", "thing", "*"), (record.Outcome, record.ActorName, record.TargetType, record.TargetId));
        Assert.Equal(ConsolePolicies.Administer, AuditCanonical.ParseDetails(record.Details)["policy"]);
    }

    [Fact]
    public async Task The_change_and_its_record_commit_together_and_the_event_follows_the_commit()
    {
        var published = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var live = Console.Services.GetRequiredService<ILiveEvents>();
        using var subscription = live.Subscribe(Topic, e =>
        {
            published.TrySetResult(e.Payload);
            return Task.CompletedTask;
        });
        var id = Guid.NewGuid();
        await using var scope = Console.Services.CreateAsyncScope();
        var actions = scope.ServiceProvider.GetRequiredService<AuditedActions>();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();

        var result = await actions.RunAsync(TestPrincipals.Of("admin-ada", ConsoleRoles.Admin), Rule, async act =>
        {
            db.DisplayDevices.Add(new DisplayDevice { Id = id, Name = "helper-probe", CreatedBy = act.CallerName, CreatedAt = DateTimeOffset.UtcNow, Stamp = "s" });
            await db.SaveChangesAsync();
            await act.RecordAsync("test.thing.created", "thing", id.ToString(), ("name", "helper-probe"));
            act.Publish(Topic, id.ToString());
            Assert.False(published.Task.IsCompleted, "published before the commit");
            return 42;
        });

        Assert.Equal(42, result);
        Assert.Equal(id.ToString(), await published.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await db.DisplayDevices.AsNoTracking().AnyAsync(d => d.Id == id));
        var record = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'test.thing.created'");
        Assert.Equal((AuditOutcome.Succeeded, "admin-ada", id.ToString()), (record.Outcome, record.ActorName, record.TargetId));
        Assert.Equal("helper-probe", AuditCanonical.ParseDetails(record.Details)["name"]);
    }

    [Fact]
    public async Task A_failing_action_leaves_no_change_no_record_and_publishes_nothing()
    {
        var published = 0;
        var live = Console.Services.GetRequiredService<ILiveEvents>();
        using var subscription = live.Subscribe(Topic, _ =>
        {
            Interlocked.Increment(ref published);
            return Task.CompletedTask;
        });
        var id = Guid.NewGuid();
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var actions = scope.ServiceProvider.GetRequiredService<AuditedActions>();
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            await Assert.ThrowsAsync<InvalidOperationException>(() => actions.RunAsync(TestPrincipals.Of("admin-ada", ConsoleRoles.Admin), Rule, async act =>
            {
                db.DisplayDevices.Add(new DisplayDevice { Id = id, Name = "doomed", CreatedBy = act.CallerName, CreatedAt = DateTimeOffset.UtcNow, Stamp = "s" });
                await db.SaveChangesAsync();
                await act.RecordAsync("test.thing.doomed", "thing", id.ToString());
                act.Publish(Topic, "doomed");
                throw new InvalidOperationException("the action fails after its change and record");
            }));
        }

        // A later record of the same trail arrives, so anything of the failed action would have arrived before it.
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AuditedActions>().RunAsync(TestPrincipals.Of("admin-ada", ConsoleRoles.Admin), Rule,
                act => act.RecordAsync("test.thing.after", "thing", "after"));
            await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'test.thing.after'");
            Assert.False(await scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().DisplayDevices.AsNoTracking().AnyAsync(d => d.Id == id));
        }

        Assert.Empty(await AuditLog.ReadAsync(Postgres.SharedConnectionString, "action = 'test.thing.doomed'"));
        Assert.Equal(0, Volatile.Read(ref published));
    }
}
