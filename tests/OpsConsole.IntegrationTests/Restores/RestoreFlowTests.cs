using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Data;
using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores;
using OpsConsole.IntegrationTests.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Restores;

/// <summary>Restores end to end in the real host: plan, typed confirmation, pre-restore backup, swap, swap back, clean-up.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RestoreFlowTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Sre = TestPrincipals.Of("sre-sam", ConsoleRoles.Sre, "user-sam");
    private static readonly System.Security.Claims.ClaimsPrincipal Admin = TestPrincipals.Of("admin-ann", ConsoleRoles.Admin, "user-ann");
    private readonly ShiftedClock _clock = new();
    private readonly Dictionary<string, string?> _extra = [];
    private string _shop = "";

    private string ShopName => new NpgsqlConnectionStringBuilder(_shop).Database!;

    protected override async Task<TestConsole> StartConsoleAsync()
    {
        if (_shop.Length == 0)
        {
            _shop = await Postgres.CreateEmptyDatabaseAsync();
            await RestoreTestData.SeedAsync(_shop);
        }

        var settings = new Dictionary<string, string?>
        {
            ["ManagedDatabases:shop:ConnectionString"] = _shop,
            ["ManagedDatabases:shop:Schedule"] = "0 0 1 1 *",
            ["Backups:SchedulerInterval"] = "00:00:01",
            ["Backups:ProbeInterval"] = "00:00:01",
            ["Operations:FlushInterval"] = "00:00:00.100",
            ["Restores:CleanupInterval"] = "01:00:00", // the tests run the janitor's rounds themselves
        };
        foreach (var (key, value) in _extra)
        {
            settings[key] = value;
        }

        return await TestConsole.StartAsync(Postgres.SharedConnectionString, settings, services => services.AddSingleton<TimeProvider>(_clock));
    }

    [Fact]
    public async Task A_restore_swaps_the_backup_in_keeps_the_previous_database_and_swap_back_returns_it()
    {
        var backup = await WaitForFirstBackupAsync();
        await RestoreTestData.WriteAfterTheBackupAsync(_shop); // 10 more customers: the state the restore must undo
        await using var client = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_shop) { ApplicationName = "checkout-api", Pooling = false }.ConnectionString);
        await client.OpenAsync();

        var plan = await Restores(s => s.PlanAsync(Sre, "shop", new RestorePlanRequest()));
        Assert.Empty(plan.Problems);
        Assert.Equal(backup.Id, plan.Backup.Id);
        Assert.True(plan.FromLatest);
        Assert.Contains(plan.Connections, c => c.Application == "checkout-api");
        Assert.Equal(6, plan.Steps.Count);
        Assert.Equal("shop", plan.Confirmation);
        Assert.Contains(plan.Disk, d => d.FreeBytes > 0 && d.Enough); // the test's server runs here: its data directory is readable

        var wrong = await Assert.ThrowsAsync<RestorePlanException>(() => Restores(s => s.RequestAsync(Sre, "shop", plan.Id, "Shop")));
        Assert.Equal("confirmation", wrong.ParamName);
        var op = await Restores(s => s.RequestAsync(Sre, "shop", plan.Id, "shop"));
        var done = await WaitForFinalAsync(op.Id);
        Assert.True(done.State == OperationState.Succeeded, done.Error);

        Assert.Equal(500, await RestoreTestData.CountAsync(_shop, "customers"));
        await Assert.ThrowsAnyAsync<NpgsqlException>(async () =>
        {
            await using var ping = new NpgsqlCommand("SELECT 1", client);
            await ping.ExecuteScalarAsync();
        });
        var restore = (await Restores(s => s.ListAsync(Sre, "shop"))).Single();
        Assert.Equal((RestorePhases.Done, OperationState.Succeeded), (restore.Phase, restore.State));
        Assert.InRange(restore.SwapMilliseconds!.Value, 0, 1000);
        Assert.True(restore.CanSwapBackAt(_clock.GetUtcNow()));
        Assert.StartsWith(ShopName + "__before_", restore.SetAside, StringComparison.Ordinal);
        Assert.Equal(510, await RestoreTestData.CountAsync(Postgres.WithDatabase(restore.SetAside!), "customers"));
        var safety = (await Backups(s => s.ListBackupsAsync(Sre, "shop"))).Items.Single(b => b.Id == restore.PreRestoreBackupId);
        Assert.Equal((BackupPurposes.PreRestore, 510L + 1000), (safety.Purpose, safety.Rows));
        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, $"action = 'restores.completed' AND target_id = 'shop'");

        var refusedBack = await Assert.ThrowsAsync<RestorePlanException>(() => Restores(s => s.SwapBackAsync(Sre, restore.Id, "nope")));
        Assert.Equal("confirmation", refusedBack.ParamName);
        var back = await Restores(s => s.SwapBackAsync(Sre, restore.Id, "shop"));
        var backDone = await WaitForFinalAsync(back.Id);
        Assert.True(backDone.State == OperationState.Succeeded, backDone.Error);
        Assert.Equal(510, await RestoreTestData.CountAsync(_shop, "customers"));
        var history = await Restores(s => s.ListAsync(Sre, "shop"));
        Assert.Equal(RestorePhases.SwappedBack, history.Single(r => r.Id == restore.Id).Phase);
        var swapBack = history.Single(r => r.Mode == RestoreModes.SwapBack);
        Assert.Equal(500, await RestoreTestData.CountAsync(Postgres.WithDatabase(swapBack.SetAside!), "customers"));
        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, $"action = 'restores.swapped_back' AND target_id = 'shop'");
    }

    [Fact]
    public async Task A_restore_into_a_new_database_leaves_the_original_untouched()
    {
        await WaitForFirstBackupAsync();
        await RestoreTestData.WriteAfterTheBackupAsync(_shop);
        var before = await RestoreTestData.ChecksumAsync(_shop);
        var name = "inspect_" + Guid.NewGuid().ToString("N")[..8];

        var bad = await Assert.ThrowsAsync<RestorePlanException>(() => Restores(s => s.PlanAsync(Sre, "shop", new RestorePlanRequest(Mode: RestoreModes.NewDatabase, NewDatabase: "Bad Name"))));
        Assert.Equal("newDatabase", bad.ParamName);
        var plan = await Restores(s => s.PlanAsync(Sre, "shop", new RestorePlanRequest(Mode: RestoreModes.NewDatabase, NewDatabase: name)));
        Assert.Equal((4, name), (plan.Steps.Count, plan.Confirmation));
        var op = await Restores(s => s.RequestAsync(Sre, "shop", plan.Id, name));
        var done = await WaitForFinalAsync(op.Id);
        Assert.True(done.State == OperationState.Succeeded, done.Error);

        Assert.Equal(500, await RestoreTestData.CountAsync(Postgres.WithDatabase(name), "customers"));
        Assert.Equal(before, await RestoreTestData.ChecksumAsync(_shop));
        Assert.DoesNotContain(await Backups(s => s.ListBackupsAsync(Sre, "shop")) is var page ? page.Items : [], b => b.Purpose == BackupPurposes.PreRestore);
    }

    [Fact]
    public async Task After_the_keep_time_the_clean_up_operation_drops_the_previous_database_and_swap_back_is_gone()
    {
        await WaitForFirstBackupAsync();
        var plan = await Restores(s => s.PlanAsync(Sre, "shop", new RestorePlanRequest()));
        var op = await Restores(s => s.RequestAsync(Sre, "shop", plan.Id, "shop"));
        var restored = await WaitForFinalAsync(op.Id);
        Assert.True(restored.State == OperationState.Succeeded, restored.Error);
        var restore = (await Restores(s => s.ListAsync(Sre, "shop"))).Single();
        var janitor = Console.Services.GetRequiredService<RestoreJanitor>();
        Assert.Equal(0, await janitor.RoundAsync(CancellationToken.None)); // kept for 24 h

        _clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        Assert.Equal(1, await janitor.RoundAsync(CancellationToken.None));
        var cleanup = (await Operations(s => s.ListAsync(Sre, new OperationQuery(Kind: RestoreKinds.Cleanup)))).Single();
        Assert.Equal("system", cleanup.RequestedBy);
        var cleaned = await WaitForFinalAsync(cleanup.Id);
        Assert.True(cleaned.State == OperationState.Succeeded, cleaned.Error);
        Assert.False(await RestoreTestData.DatabaseExistsAsync(Postgres.SharedConnectionString, restore.SetAside!));
        var after = (await Restores(s => s.ListAsync(Sre, "shop"))).Single();
        Assert.NotNull(after.SetAsideDroppedAt);
        Assert.False(after.CanSwapBackAt(_clock.GetUtcNow()));
        await Assert.ThrowsAsync<RestorePlanException>(() => Restores(s => s.SwapBackAsync(Sre, restore.Id, "shop")));
        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, $"action = 'restores.set_aside_dropped' AND target_id = 'shop'");
        Assert.Equal(0, await janitor.RoundAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_approved_plan_whose_target_was_replaced_meanwhile_refuses_to_run_and_touches_nothing()
    {
        _extra["ManagedDatabases:shop:RequireApproval"] = "true";
        await RestartConsoleAsync();
        await WaitForFirstBackupAsync();
        var plan = await Restores(s => s.PlanAsync(Sre, "shop", new RestorePlanRequest()));
        Assert.True(plan.NeedsApproval);
        var op = await Restores(s => s.RequestAsync(Sre, "shop", plan.Id, "shop"));
        Assert.Equal(OperationState.AwaitingApproval, op.State);
        var self = await Assert.ThrowsAsync<OperationRefusedException>(() => Operations(s => s.ApproveAsync(Sre, op.Id)));
        Assert.Equal(OperationRefusal.SelfApproval, self.Reason);

        // Someone replaces the database outside the console while the request waits (same name, another database).
        await RestoreTestData.RecreateAsync(Postgres.WithDatabase("postgres"), ShopName);
        await RestoreTestData.SeedAsync(_shop, customers: 7);
        await Operations(s => s.ApproveAsync(Admin, op.Id));
        var done = await WaitForFinalAsync(op.Id);
        Assert.Equal(OperationState.Failed, done.State);
        Assert.Contains("the plan changed since it was approved", done.Error, StringComparison.Ordinal);
        Assert.Contains("replaced", done.Error, StringComparison.Ordinal);
        Assert.Equal(7, await RestoreTestData.CountAsync(_shop, "customers"));
        var restore = (await Restores(s => s.ListAsync(Sre, "shop"))).Single();
        Assert.Equal((RestorePhases.Failed, "admin-ann"), (restore.Phase, restore.ApprovedBy));
        Assert.Empty(await RestoreTestData.ScratchDatabasesAsync(Postgres.SharedConnectionString, ShopName));
    }

    [Fact]
    public async Task A_stale_or_blocked_plan_is_refused_naming_the_field()
    {
        await WaitForFirstBackupAsync();
        var plan = await Restores(s => s.PlanAsync(Sre, "shop", new RestorePlanRequest()));
        _clock.Advance(TimeSpan.FromMinutes(31));
        var expired = await Assert.ThrowsAsync<RestorePlanException>(() => Restores(s => s.RequestAsync(Sre, "shop", plan.Id, "shop")));
        Assert.Equal("planId", expired.ParamName);
        Assert.Contains("expired", expired.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<RestorePlanException>(() => Restores(s => s.PlanAsync(Sre, "shop", new RestorePlanRequest(BackupId: Guid.NewGuid()))));
        Assert.Equal("backupId", missing.ParamName);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Restores(s => s.PlanAsync(TestPrincipals.Of("oncall", ConsoleRoles.OnCall), "shop", new RestorePlanRequest())));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Restores(s => s.PlanAsync(Sre, "nope", new RestorePlanRequest())));
    }

    [Fact]
    public async Task The_consoles_own_database_cannot_be_restored_in_place_but_can_be_restored_as_a_new_database()
    {
        _extra["ManagedDatabases:self:ConnectionString"] = Postgres.SharedConnectionString;
        _extra["ManagedDatabases:self:Schedule"] = "0 0 1 1 *";
        await RestartConsoleAsync();
        await AlertTesting.WaitUntilAsync(async () => (await Backups(s => s.ListBackupsAsync(Sre, "self"))).Total >= 1, "the first backup of self", TimeSpan.FromSeconds(90));

        var inPlace = await Restores(s => s.PlanAsync(Sre, "self", new RestorePlanRequest()));
        Assert.Contains(inPlace.Problems, p => p.Contains("the console's own database", StringComparison.Ordinal));
        var refused = await Assert.ThrowsAsync<RestorePlanException>(() => Restores(s => s.RequestAsync(Sre, "self", inPlace.Id, "self")));
        Assert.Equal("planId", refused.ParamName);
        var asNew = await Restores(s => s.PlanAsync(Sre, "self", new RestorePlanRequest(Mode: RestoreModes.NewDatabase, NewDatabase: "self_inspect_" + Guid.NewGuid().ToString("N")[..6])));
        Assert.DoesNotContain(asNew.Problems, p => p.Contains("the console's own database", StringComparison.Ordinal));
    }

    private async Task<BackupView> WaitForFirstBackupAsync()
    {
        BackupPage? page = null;
        await AlertTesting.WaitUntilAsync(async () => (page = await Backups(s => s.ListBackupsAsync(Sre, "shop"))).Total >= 1, "the first backup of shop", TimeSpan.FromSeconds(90));
        // A backup is listed before its operation ends (retention runs after): wait for that too, or a restore meets a busy database.
        await AlertTesting.WaitUntilAsync(async () => (await Operations(s => s.ListAsync(Sre, new OperationQuery(ActiveOnly: true, Target: "database:shop")))).Count == 0,
            "the operations on shop to end", TimeSpan.FromSeconds(90));
        return page!.Items[0];
    }

    private async Task<OperationView> WaitForFinalAsync(Guid id)
    {
        OperationView? last = null;
        await AlertTesting.WaitUntilAsync(async () => (last = await Operations(s => s.GetAsync(Sre, id)))!.IsFinal, $"operation {id} to finish", TimeSpan.FromSeconds(120));
        return last!;
    }

    private Task<T> Restores<T>(Func<RestoreService, Task<T>> call) => ServiceAsync(call);

    private Task<T> Backups<T>(Func<BackupService, Task<T>> call) => ServiceAsync(call);

    private Task<T> Operations<T>(Func<OperationService, Task<T>> call) => ServiceAsync(call);

    private async Task<TResult> ServiceAsync<TService, TResult>(Func<TService, Task<TResult>> call) where TService : notnull
    {
        await using var scope = Console.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }
}
