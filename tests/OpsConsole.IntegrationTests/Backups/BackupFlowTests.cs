using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Operations;
using OpsConsole.IntegrationTests.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Backups;

/// <summary>Backups end to end in the real host: real PostgreSQL, real pg_dump and pg_restore, the operation layer, the inventory.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BackupFlowTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Sre = TestPrincipals.Of("sre-sam", ConsoleRoles.Sre, "user-sam");
    private string _shop = "";
    private string? _pgBin;
    private readonly Dictionary<string, string?> _extra = [];

    protected override async Task<TestConsole> StartConsoleAsync()
    {
        if (_shop.Length == 0)
        {
            _shop = await Postgres.CreateEmptyDatabaseAsync();
            await SeedAsync(_shop);
        }

        var settings = new Dictionary<string, string?>
        {
            ["ManagedDatabases:shop:ConnectionString"] = _shop,
            // Yearly, so the only scheduled run a test sees is the start's catch-up of 1 January.
            ["ManagedDatabases:shop:Schedule"] = "0 0 1 1 *",
            ["ManagedDatabases:shop:KeepLast"] = "2",
            ["ManagedDatabases:shop:KeepDaily"] = "0",
            ["ManagedDatabases:shop:KeepWeekly"] = "0",
            ["ManagedDatabases:shop:KeepMonthly"] = "0",
            ["Backups:SchedulerInterval"] = "00:00:01",
            ["Backups:ProbeInterval"] = "00:00:01",
            ["Operations:FlushInterval"] = "00:00:00.100",
        };
        if (_pgBin is not null)
        {
            settings["Backups:PgBinDirectory"] = _pgBin;
        }

        foreach (var (key, value) in _extra)
        {
            settings[key] = value;
        }

        return await TestConsole.StartAsync(Postgres.SharedConnectionString, settings);
    }

    [Fact]
    public async Task The_start_catches_up_the_missed_scheduled_backup_once_and_it_is_listed_verified_with_its_manifest()
    {
        var first = await WaitForBackupsAsync(1);
        var backup = first.Single();
        Assert.Equal(BackupPurposes.Scheduled, backup.Purpose);
        Assert.True(backup.Verified);
        Assert.Equal(2, backup.Tables);
        Assert.Equal(1500, backup.Rows);
        var path = Path.Combine(Console.DataDirectory, "backups", "shop", backup.FileName);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))), backup.Sha256);
        Assert.Equal(new FileInfo(path).Length, backup.SizeBytes);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.partial"));

        // More looks at the same slot request nothing more (the slot has its run).
        var scheduler = Console.Services.GetRequiredService<BackupScheduler>();
        await scheduler.TickAsync(CancellationToken.None);
        await scheduler.TickAsync(CancellationToken.None);
        var ops = await ServiceAsync<OperationService, IReadOnlyList<OperationView>>(s => s.ListAsync(Sre, new OperationQuery(Kind: BackupKinds.Backup)));
        Assert.Single(ops);
        Assert.Equal("system", ops[0].RequestedBy);
    }

    [Fact]
    public async Task Back_up_now_through_the_api_answers_202_and_the_operation_logs_tables_then_succeeds_and_retention_keeps_two()
    {
        await WaitForBackupsAsync(1);
        using var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await Console.CreateTokenForNewUserAsync("api-sre", ConsoleRoles.Sre));

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.PostAsJsonAsync(new Uri("/api/v1/databases/shop/backups", UriKind.Relative), new { purpose = "manual" });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var op = await response.Content.ReadFromJsonAsync<JsonElement>();
            var id = op.GetProperty("id").GetGuid();
            var done = await WaitForFinalAsync(id);
            Assert.True(done.State == OperationState.Succeeded, done.Error);
            var log = await ServiceAsync<OperationService, IReadOnlyList<OperationLogEntry>>(s => s.ReadLogAsync(Sre, id));
            Assert.Contains(log, l => l.Text.Contains("public.orders", StringComparison.Ordinal));
            Assert.Contains(log, l => l.Text.StartsWith("retention keeps 2", StringComparison.Ordinal));
        }

        var kept = await ServiceAsync<BackupService, BackupPage>(s => s.ListBackupsAsync(Sre, "shop"));
        Assert.Equal(2, kept.Total);
        Assert.All(kept.Items, b => Assert.Equal(BackupPurposes.Manual, b.Purpose));
        // The scheduled backup expired: only the two kept files remain.
        Assert.Equal(
            kept.Items.Select(b => b.FileName).Order(StringComparer.Ordinal),
            Directory.GetFiles(Path.Combine(Console.DataDirectory, "backups", "shop"), "*.dump").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'backups.expired'");

        using var bad = await client.PostAsJsonAsync(new Uri("/api/v1/databases/shop/backups", UriKind.Relative), new { purpose = "whenever" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.Contains("purpose", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var unknown = await client.PostAsync(new Uri("/api/v1/databases/nope/backups", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var listing = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/databases", UriKind.Relative));
        var shop = listing.GetProperty("items").EnumerateArray().Single();
        Assert.Equal("fresh", shop.GetProperty("freshness").GetString());
        Assert.Equal(2, shop.GetProperty("backups").GetInt32());
    }

    [Fact]
    public async Task A_restore_drill_restores_the_newest_backup_compares_rows_records_the_time_and_leaves_no_scratch_database()
    {
        await WaitForBackupsAsync(1);
        var op = await ServiceAsync<BackupService, OperationView>(s => s.DrillNowAsync(Sre, "shop"));
        var done = await WaitForFinalAsync(op.Id);
        Assert.True(done.State == OperationState.Succeeded, done.Error);
        var drills = await ServiceAsync<BackupService, IReadOnlyList<DrillView>>(s => s.ListDrillsAsync(Sre, "shop"));
        var drill = Assert.Single(drills);
        Assert.True(drill.Succeeded);
        Assert.True(drill.RestoreSeconds > 0);
        await using var connection = new NpgsqlConnection(Postgres.WithDatabase("postgres"));
        await connection.OpenAsync();
        await using var scratch = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname LIKE '%\\_\\_drill\\_%'", connection);
        Assert.Equal(0L, await scratch.ExecuteScalarAsync());

        await Console.Services.GetRequiredService<BackupMetrics>().RefreshAsync(CancellationToken.None);
        using var client = Console.CreateClient();
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("opsconsole_backup_drill_last_success{database=\"shop\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("opsconsole_backup_last_run_failed{database=\"shop\"} 0", metrics, StringComparison.Ordinal);
        Assert.Contains("opsconsole_backup_rpo_seconds{database=\"shop\"} 93600", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pg_dump_killed_mid_run_fails_the_operation_lists_nothing_and_leaves_no_partial_file()
    {
        // A pg_dump that writes part of a real dump, then dies by SIGKILL (as the OOM killer would).
        _pgBin = Directory.CreateTempSubdirectory("opsconsole-killed-pgdump-").FullName;
        var real = Core.Backups.Engine.PgClientTools.Locate();
        var script = Path.Combine(_pgBin, "pg_dump");
        await File.WriteAllTextAsync(script, $"#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then exec {real.PgDump} --version; fi\n{real.PgDump} \"$@\" | head -c 2000\nkill -9 $$\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(Path.Combine(_pgBin, "pg_restore"), real.PgRestore);
        await RestartConsoleAsync();

        OperationView? failed = null;
        await AlertTesting.WaitUntilAsync(async () =>
        {
            var ops = await ServiceAsync<OperationService, IReadOnlyList<OperationView>>(s => s.ListAsync(Sre, new OperationQuery(Kind: BackupKinds.Backup)));
            failed = ops.FirstOrDefault(o => o.IsFinal);
            return failed is not null;
        }, "the scheduled backup with the killed pg_dump to end", TimeSpan.FromSeconds(90));

        Assert.Equal(OperationState.Failed, failed!.State);
        Assert.Contains("pg_dump", failed.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await ServiceAsync<BackupService, BackupPage>(s => s.ListBackupsAsync(Sre, "shop"))).Total);
        var folder = Path.Combine(Console.DataDirectory, "backups", "shop");
        Assert.Empty(Directory.Exists(folder) ? Directory.GetFiles(folder) : []);
        await Console.Services.GetRequiredService<BackupMetrics>().RefreshAsync(CancellationToken.None);
        using var client = Console.CreateClient();
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("opsconsole_backup_last_run_failed{database=\"shop\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("opsconsole_backup_last_success_timestamp_seconds{database=\"shop\"} 0", metrics, StringComparison.Ordinal);
        Assert.Matches("opsconsole_backup_failures_total\\{database=\"shop\",reason=\"tool_killed\"\\} [1-9]", metrics);
    }

    [Fact]
    public async Task An_unreachable_database_fails_its_backup_with_words_naming_it_and_the_console_keeps_serving()
    {
        _extra["ManagedDatabases:gone:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=nobody;Password=secret-never-shown;Database=gone";
        _extra["ManagedDatabases:gone:Schedule"] = "0 0 1 1 *";
        await RestartConsoleAsync();

        OperationView? failed = null;
        await AlertTesting.WaitUntilAsync(async () =>
        {
            var ops = await ServiceAsync<OperationService, IReadOnlyList<OperationView>>(s => s.ListAsync(Sre, new OperationQuery(Target: "database:gone")));
            failed = ops.FirstOrDefault(o => o.State == OperationState.Failed);
            return failed is not null;
        }, "the scheduled backup of 'gone' to fail");
        Assert.Contains("127.0.0.1:1", failed!.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-never-shown", failed.Error, StringComparison.Ordinal);
        await AlertTesting.WaitUntilAsync(async () =>
            (await ServiceAsync<BackupService, IReadOnlyList<DatabaseStatus>>(s => s.ListDatabasesAsync(Sre))).Single(d => d.Name == "gone").Probe?.Error is not null,
            "the probe of 'gone' to report its error");
        await Console.WaitForReadinessAsync();
    }

    [Fact]
    public async Task Deleting_the_newest_verified_backup_is_refused_and_an_older_one_is_deleted_with_its_reason()
    {
        await WaitForBackupsAsync(1);
        var second = await ServiceAsync<BackupService, OperationView>(s => s.BackUpNowAsync(Sre, "shop"));
        Assert.Equal(OperationState.Succeeded, (await WaitForFinalAsync(second.Id)).State);
        var kept = (await ServiceAsync<BackupService, BackupPage>(s => s.ListBackupsAsync(Sre, "shop"))).Items;
        var (newest, older) = (kept[0], kept[1]);

        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => ServiceAsync<BackupService, OperationView>(s => s.DeleteAsync(Sre, newest.Id, null)));
        Assert.Contains("newest verified", refused.Message, StringComparison.Ordinal);
        var delete = await ServiceAsync<BackupService, OperationView>(s => s.DeleteAsync(Sre, older.Id, "test clean-up"));
        Assert.Equal(OperationState.Queued, delete.State); // shop does not require approval
        Assert.Equal(OperationState.Succeeded, (await WaitForFinalAsync(delete.Id)).State);
        Assert.False(File.Exists(Path.Combine(Console.DataDirectory, "backups", "shop", older.FileName)));
        var record = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, $"action = 'backups.deleted' AND target_id = '{older.Id}'");
        Assert.Equal("test clean-up", record.Reason);
        Assert.Equal("sre-sam", Core.Audit.AuditCanonical.ParseDetails(record.Details)["requested_by"]);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => ServiceAsync<BackupService, OperationView>(s => s.BackUpNowAsync(TestPrincipals.Of("oncall", ConsoleRoles.OnCall), "shop")));
    }

    [Fact]
    public async Task On_a_database_that_requires_approval_a_deletion_waits_for_a_different_person_and_both_names_are_recorded()
    {
        _extra["ManagedDatabases:shop:RequireApproval"] = "true";
        await RestartConsoleAsync();
        await WaitForBackupsAsync(1);
        var second = await ServiceAsync<BackupService, OperationView>(s => s.BackUpNowAsync(Sre, "shop"));
        Assert.Equal(OperationState.Succeeded, (await WaitForFinalAsync(second.Id)).State); // a backup never waits for approval
        var older = (await ServiceAsync<BackupService, BackupPage>(s => s.ListBackupsAsync(Sre, "shop"))).Items[1];

        var delete = await ServiceAsync<BackupService, OperationView>(s => s.DeleteAsync(Sre, older.Id, "too many copies"));
        Assert.Equal(OperationState.AwaitingApproval, delete.State);
        var self = await Assert.ThrowsAsync<OperationRefusedException>(() => ServiceAsync<OperationService, OperationView>(s => s.ApproveAsync(Sre, delete.Id)));
        Assert.Equal(OperationRefusal.SelfApproval, self.Reason);
        Assert.True(File.Exists(Path.Combine(Console.DataDirectory, "backups", "shop", older.FileName)));

        var admin = TestPrincipals.Of("admin-ann", ConsoleRoles.Admin, "user-ann");
        await ServiceAsync<OperationService, OperationView>(s => s.ApproveAsync(admin, delete.Id));
        var done = await WaitForFinalAsync(delete.Id);
        Assert.Equal((OperationState.Succeeded, "admin-ann"), (done.State, done.ApprovedBy));
        Assert.False(File.Exists(Path.Combine(Console.DataDirectory, "backups", "shop", older.FileName)));
        var record = await AuditLog.WaitForAsync(Postgres.SharedConnectionString, $"action = 'backups.deleted' AND target_id = '{older.Id}'");
        var details = Core.Audit.AuditCanonical.ParseDetails(record.Details);
        Assert.Equal(("sre-sam", "admin-ann"), (details["requested_by"], details["approved_by"]));
    }

    [Fact]
    public async Task A_safety_backup_is_kept_outside_the_retention_policy()
    {
        await WaitForBackupsAsync(1);
        var safety = await ServiceAsync<BackupService, OperationView>(s => s.BackUpNowAsync(Sre, "shop", BackupPurposes.PreRestore));
        Assert.Equal(OperationState.Succeeded, (await WaitForFinalAsync(safety.Id)).State);
        for (var i = 0; i < 2; i++)
        {
            var manual = await ServiceAsync<BackupService, OperationView>(s => s.BackUpNowAsync(Sre, "shop"));
            Assert.Equal(OperationState.Succeeded, (await WaitForFinalAsync(manual.Id)).State);
        }

        // KeepLast 2 and no generations: the two manual backups stay, the scheduled one expires, the pre-restore one stays.
        var kept = (await ServiceAsync<BackupService, BackupPage>(s => s.ListBackupsAsync(Sre, "shop"))).Items;
        Assert.Equal([BackupPurposes.Manual, BackupPurposes.Manual, BackupPurposes.PreRestore], kept.Select(b => b.Purpose));
        var log = await ServiceAsync<OperationService, IReadOnlyList<OperationLogEntry>>(s => s.ReadLogAsync(Sre, kept[0].OperationId!.Value));
        Assert.Contains(log, l => l.Text.StartsWith("retention leaves alone 1 safety backup(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_consoles_on_one_database_schedule_each_backup_once()
    {
        await using var second = await StartConsoleAsync();
        await second.WaitForReadinessAsync();
        await WaitForBackupsAsync(1);
        var schedulers = new[] { Console, second }.Select(c => c.Services.GetRequiredService<BackupScheduler>()).ToList();
        await AlertTesting.WaitUntilAsync(() => Task.FromResult(schedulers.Count(s => s.IsLeader) == 1), "exactly one scheduler to lead");

        // Both look again at the same slot, as a second leader would after a failover: still one run.
        foreach (var scheduler in schedulers)
        {
            await scheduler.TickAsync(CancellationToken.None);
        }

        var ops = await ServiceAsync<OperationService, IReadOnlyList<OperationView>>(s => s.ListAsync(Sre, new OperationQuery(Kind: BackupKinds.Backup)));
        Assert.Single(ops);
        Assert.Equal(1, (await ServiceAsync<BackupService, BackupPage>(s => s.ListBackupsAsync(Sre, "shop"))).Total);
    }

    private async Task<IReadOnlyList<BackupView>> WaitForBackupsAsync(int count)
    {
        BackupPage? page = null;
        await AlertTesting.WaitUntilAsync(async () => (page = await ServiceAsync<BackupService, BackupPage>(s => s.ListBackupsAsync(Sre, "shop"))).Total >= count,
            $"{count} backup(s) of shop", TimeSpan.FromSeconds(90));
        // A backup is listed before its operation ends (retention runs after): wait for that too, or the next request meets a busy database.
        await AlertTesting.WaitUntilAsync(async () => (await ServiceAsync<OperationService, IReadOnlyList<OperationView>>(s => s.ListAsync(Sre, new OperationQuery(ActiveOnly: true, Target: "database:shop")))).Count == 0,
            "the operations on shop to end", TimeSpan.FromSeconds(90));
        return page!.Items;
    }

    private async Task<OperationView> WaitForFinalAsync(Guid id)
    {
        OperationView? last = null;
        await AlertTesting.WaitUntilAsync(async () => (last = await ServiceAsync<OperationService, OperationView?>(s => s.GetAsync(Sre, id)))!.IsFinal,
            $"operation {id} to finish", TimeSpan.FromSeconds(90));
        return last!;
    }

    private async Task<TResult> ServiceAsync<TService, TResult>(Func<TService, Task<TResult>> call) where TService : notnull
    {
        await using var scope = Console.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }

    private static async Task SeedAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);
            CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id), total numeric(10, 2));
            INSERT INTO customers SELECT i, 'c' || i || '@example.test' FROM generate_series(1, 500) i;
            INSERT INTO orders SELECT i, 1 + i % 500, i * 1.5 FROM generate_series(1, 1000) i;
            """, connection);
        await command.ExecuteNonQueryAsync();
    }
}
