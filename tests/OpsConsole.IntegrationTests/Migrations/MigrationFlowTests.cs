using System.Net;
using System.Text;
using System.Text.Json;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Migrations.Engine;
using OpsConsole.Core.Operations;
using OpsConsole.IntegrationTests.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Migrations;

/// <summary>
/// Schema migrations end to end (issue 18) through the HTTP API of a real console against real PostgreSQL: apply with
/// its pre-migration backup, history and audit; a failure rolled back with its file and line; drift; the migration lock
/// and lock_timeout; two consoles at once; non-transactional files; rehearsal on a copy; undo; approval; the API's
/// answers. One console serves the class (starting one per test would cost more than the tests), each test on a managed
/// database of its own, so no test sees another's history, operations or audit records.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MigrationFlowTests(PostgresFixture postgres, MigrationFlowTests.Host host) : IClassFixture<MigrationFlowTests.Host>, IAsyncLifetime
{
    private TestConsole Console => host.Console;

    private HttpClient Sre => host.Sre;

    private string AuditDb => postgres.SharedConnectionString;

    public Task InitializeAsync() => host.StartAsync(postgres);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Apply_runs_the_pending_files_in_order_after_a_pre_migration_backup_and_records_and_audits_each_with_its_checksum()
    {
        var site = host.Site("apply");
        string[] checksums =
        [
            site.Write("V1__customers.sql", "CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);\nINSERT INTO customers VALUES (1, 'ann@example.com');\n"),
            site.Write("V2__orders.sql", "CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id));\n"),
            site.Write("V10__customer_name.sql", "ALTER TABLE customers ADD COLUMN name text;\n"),
        ];
        var before = await Sre.MigrationsAsync("apply");
        Assert.Equal([("1", "pending"), ("2", "pending"), ("10", "pending")], before.States());
        Assert.Equal(["V1__customers.sql", "V2__orders.sql", "V10__customer_name.sql"], before.GetProperty("pending").EnumerateArray().Select(p => p.GetProperty("fileName").GetString()));
        Assert.True(before.GetProperty("canApply").GetBoolean());
        var fingerprint = before.GetProperty("fingerprint").GetString()!;

        var id = await Sre.AcceptedAsync("apply", "apply", new { fingerprint });
        var done = await Console.WaitForFinalAsync(id);

        Assert.True(done.State == OperationState.Succeeded, done.Error);
        var history = await site.HistoryAsync();
        Assert.Equal(
            [("1", "V1__customers.sql", checksums[0]), ("2", "V2__orders.sql", checksums[1]), ("10", "V10__customer_name.sql", checksums[2])],
            history.Select(h => (h.Version, h.Script, h.Checksum)));
        Assert.All(history, h => Assert.Equal((MigrationHistory.MigrationType, "mig-sre", true, (Guid?)id), (h.Type, h.InstalledBy, h.Success, h.OperationId)));
        Assert.True(await site.ColumnExistsAsync("customers", "name"));

        // The backup was taken before anything ran: it holds no table at all.
        var backup = Assert.Single((await Console.ServiceAsync<BackupService, BackupPage>(s => s.ListBackupsAsync(MigrationConsole.Reader, "apply"))).Items);
        Assert.Equal((BackupPurposes.PreMigration, true, 0), (backup.Purpose, backup.Verified, backup.Tables));
        var run = await Sre.RunAsync(id);
        Assert.Equal((backup.Id, true), (run.GetProperty("backupId").GetGuid(), run.GetProperty("succeeded").GetBoolean()));
        Assert.Equal(3, run.GetProperty("outcomes").GetArrayLength());

        var audited = await AuditLog.WaitForCountAsync(AuditDb, "action = 'migrations.applied' AND target_id = 'apply'", 3);
        Assert.Equal(checksums, audited.Select(a => a.Details().GetProperty("checksum").GetString()));
        Assert.All(audited, a => Assert.Equal((AuditOutcome.Succeeded, id.ToString()), (a.Outcome, a.Details().GetProperty("operation").GetString())));
        var requested = await AuditLog.WaitForAsync(AuditDb, "action = 'migrations.apply.requested' AND target_id = 'apply'");
        Assert.Equal(("mig-sre", fingerprint), (requested.ActorName, requested.Details().GetProperty("fingerprint").GetString()));

        var after = await Sre.MigrationsAsync("apply");
        Assert.Equal([("1", "applied"), ("2", "applied"), ("10", "applied")], after.States());
        Assert.Equal(0, after.GetProperty("pending").GetArrayLength());
        Assert.False(after.GetProperty("canApply").GetBoolean());
        Assert.Equal(id, after.GetProperty("lastRun").GetProperty("id").GetGuid());

        // What the caller reviewed is no longer what is pending: refused before anything runs.
        site.Write("V11__order_note.sql", "ALTER TABLE orders ADD COLUMN note text;\n");
        using var stale = await Sre.PostMigrationsAsync("apply", "apply", new { fingerprint });
        var (status, field, detail) = await stale.ProblemAsync();
        Assert.Equal((422, "fingerprint"), (status, field));
        Assert.Contains("changed since you looked", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_file_is_rolled_back_whole_its_file_and_line_named_and_the_run_says_how_to_go_back_then_a_fixed_file_is_retried()
    {
        var site = host.Site("broken");
        site.Write("V1__base.sql", "CREATE TABLE base (id int);\n");
        site.Write("U1__base.sql", "DROP TABLE base;\n");
        var brokenChecksum = site.Write("V2__widgets.sql",
            "-- V2: widgets, with a typo on line 4\nCREATE TABLE widgets (id int PRIMARY KEY);\nALTER TABLE widgets\n  ADD COLUMN name text NOT NUL;\nINSERT INTO widgets VALUES (1);\n");

        var id = await Sre.AcceptedAsync("broken", "apply");
        var done = await Console.WaitForFinalAsync(id);

        Assert.Equal(OperationState.Failed, done.State);
        Assert.Contains("V2__widgets.sql line 4 failed: syntax error at or near \"NUL\" (SQLSTATE 42601); nothing of it was committed", done.Error, StringComparison.Ordinal);
        Assert.Contains("V1__base.sql stayed applied; to go back, undo with U1__base.sql or restore the pre-migration backup broken-", done.Error, StringComparison.Ordinal);
        Assert.False(await site.ExistsAsync("widgets")); // created by the failed file's first statement, rolled back with it
        Assert.True(await site.ExistsAsync("base"));
        Assert.Equal([("1", true), ("2", false)], (await site.HistoryAsync()).Select(h => (h.Version, h.Success)));
        Assert.Equal(brokenChecksum, (await site.HistoryAsync())[1].Checksum);

        var run = await Sre.RunAsync(id);
        Assert.Equal(
            (false, "V2__widgets.sql", 4),
            (run.GetProperty("succeeded").GetBoolean(), run.GetProperty("failedFile").GetString(), run.GetProperty("failedLine").GetInt32()));
        Assert.Equal([true, false], run.GetProperty("outcomes").EnumerateArray().Select(o => o.GetProperty("succeeded").GetBoolean()));
        var status = await Sre.MigrationsAsync("broken");
        Assert.Equal([("1", "applied"), ("2", "failed")], status.States());
        Assert.Contains("failed and was rolled back", status.Migration("2").GetProperty("explanation").GetString(), StringComparison.Ordinal);
        Assert.Contains(await Console.LogAsync(id), l => l.Level == OperationLogLevel.Warning && l.Text == "V2__widgets.sql: rolled back; nothing of it was committed");
        var failed = await AuditLog.WaitForAsync(AuditDb, "action = 'migrations.applied' AND target_id = 'broken' AND outcome = 'failed'");
        Assert.Equal(brokenChecksum, failed.Details().GetProperty("checksum").GetString());

        // The failed migration is planned again once fixed (its history row is a failure, not a claim).
        site.Write("V2__widgets.sql", "-- V2: widgets\nCREATE TABLE widgets (id int PRIMARY KEY);\nALTER TABLE widgets\n  ADD COLUMN name text NOT NULL;\nINSERT INTO widgets VALUES (1, 'first');\n");
        var retried = await Console.WaitForFinalAsync(await Sre.AcceptedAsync("broken", "apply"));
        Assert.True(retried.State == OperationState.Succeeded, retried.Error);
        Assert.Equal([("1", true), ("2", false), ("2", true)], (await site.HistoryAsync()).Select(h => (h.Version, h.Success)));
        Assert.Equal([("1", "applied"), ("2", "applied")], (await Sre.MigrationsAsync("broken")).States());
    }

    [Fact]
    public async Task A_changed_or_missing_applied_file_and_an_older_pending_file_show_their_state_and_block_the_apply_naming_the_file()
    {
        var site = host.Site("drift");
        const string first = "CREATE TABLE accounts (id int);\n";
        const string second = "ALTER TABLE accounts ADD COLUMN email text;\n";
        var appliedChecksum = site.Write("V1__accounts.sql", first);
        site.Write("V2__accounts_email.sql", second);
        await site.ApplyDirectlyAsync("V1__accounts.sql", "V2__accounts_email.sql");
        site.Write("V3__accounts_index.sql", "CREATE INDEX accounts_email ON accounts (email);\n");

        var changedChecksum = site.Write("V1__accounts.sql", "CREATE TABLE accounts (id bigint);\n");
        var changed = (await Sre.MigrationsAsync("drift")).Migration("1");
        Assert.Equal(("changed", changedChecksum, appliedChecksum), (changed.GetProperty("state").GetString(), changed.GetProperty("checksum").GetString(), changed.GetProperty("appliedChecksum").GetString()));
        Assert.Contains($"applied checksum {appliedChecksum}, file checksum {changedChecksum}", changed.GetProperty("explanation").GetString(), StringComparison.Ordinal);
        await AssertApplyRefusedAsync("drift", "V1__accounts.sql changed after it was applied");
        site.Write("V1__accounts.sql", first);

        site.Delete("V2__accounts_email.sql");
        var missing = (await Sre.MigrationsAsync("drift")).Migration("2");
        Assert.Equal(("missing", JsonValueKind.Null), (missing.GetProperty("state").GetString(), missing.GetProperty("file").ValueKind));
        await AssertApplyRefusedAsync("drift", "version 2 was applied");
        site.Write("V2__accounts_email.sql", second);

        site.Write("V1.5__accounts_name.sql", "ALTER TABLE accounts ADD COLUMN name text;\n");
        var late = await Sre.MigrationsAsync("drift");
        Assert.Equal([("1", "applied"), ("1.5", "out-of-order"), ("2", "applied"), ("3", "pending")], late.States());
        await AssertApplyRefusedAsync("drift", "V1.5__accounts_name.sql is older than a migration already applied; apply it only on purpose, with Migrations:OutOfOrder set to true");
        Assert.Equal(2, (await site.HistoryAsync()).Count); // nothing ran
    }

    [Fact]
    public async Task With_out_of_order_allowed_an_older_pending_file_is_applied()
    {
        var site = host.Site("ooo");
        site.Write("V1__accounts.sql", "CREATE TABLE accounts (id int);\n");
        site.Write("V2__accounts_email.sql", "ALTER TABLE accounts ADD COLUMN email text;\n");
        await site.ApplyDirectlyAsync("V1__accounts.sql", "V2__accounts_email.sql");
        site.Write("V1.5__accounts_name.sql", "ALTER TABLE accounts ADD COLUMN name text;\n");
        var before = await Sre.MigrationsAsync("ooo");
        Assert.Equal("out-of-order", before.Migration("1.5").GetProperty("state").GetString());
        Assert.True(before.GetProperty("canApply").GetBoolean());

        var done = await Console.WaitForFinalAsync(await Sre.AcceptedAsync("ooo", "apply"));

        Assert.True(done.State == OperationState.Succeeded, done.Error);
        Assert.True(await site.ColumnExistsAsync("accounts", "name"));
        Assert.Equal([("1", "applied"), ("1.5", "applied"), ("2", "applied")], (await Sre.MigrationsAsync("ooo")).States());
    }

    [Fact]
    public async Task While_another_tool_holds_the_migration_lock_the_status_names_it_and_apply_is_refused_with_409_naming_it()
    {
        var site = host.Site("locked");
        site.Write("V1__t.sql", "CREATE TABLE t (id int);\n");
        await using (var other = await site.OpenAsync(application: "other-tool"))
        {
            await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationRunner.LockKey})", other))
            {
                await take.ExecuteNonQueryAsync();
            }

            var holder = (await Sre.MigrationsAsync("locked")).GetProperty("lockHolder").GetString();
            Assert.StartsWith("\"other-tool\" (database user ", holder, StringComparison.Ordinal);
            Assert.Contains($"pid {other.ProcessID})", holder, StringComparison.Ordinal);

            using var refused = await Sre.PostMigrationsAsync("locked", "apply");
            var (status, _, detail) = await refused.ProblemAsync();
            Assert.Equal(409, status);
            Assert.Contains("locked by \"other-tool\"", detail, StringComparison.Ordinal);
        }

        Assert.Equal(JsonValueKind.Null, (await Sre.MigrationsAsync("locked")).GetProperty("lockHolder").ValueKind);
        Assert.Empty(await site.HistoryAsync());
        Assert.Empty(await Console.ServiceAsync<OperationService, IReadOnlyList<OperationView>>(s => s.ListAsync(MigrationConsole.Reader, new OperationQuery(Target: "database:locked"))));
    }

    [Fact]
    public async Task A_migration_behind_a_long_transaction_fails_after_lock_timeout_instead_of_waiting_and_nothing_of_it_is_committed()
    {
        var site = host.Site("lockwait");
        await site.ExecuteAsync("CREATE TABLE ledger (id int); INSERT INTO ledger VALUES (1);");
        site.Write("V1__ledger_flag.sql", "ALTER TABLE ledger ADD COLUMN flag boolean;\n");
        await using var report = await site.OpenAsync(application: "long-report");
        await using var transaction = await report.BeginTransactionAsync();
        await using (var read = new NpgsqlCommand("SELECT count(*) FROM ledger", report, transaction))
        {
            await read.ExecuteScalarAsync(); // holds ACCESS SHARE on ledger until the transaction ends
        }

        var id = await Sre.AcceptedAsync("lockwait", "apply");
        var done = await Console.WaitForFinalAsync(id);

        // Still inside the report's transaction: the migration gave up on its own.
        Assert.Equal(OperationState.Failed, done.State);
        Assert.Contains("V1__ledger_flag.sql line 1 failed: canceling statement due to lock timeout: another session held a lock it needed for longer than lock_timeout", done.Error, StringComparison.Ordinal);
        var outcome = Assert.Single((await Sre.RunAsync(id)).GetProperty("outcomes").EnumerateArray());
        Assert.InRange(outcome.GetProperty("seconds").GetDouble(), 0.9, 10);
        await transaction.RollbackAsync();
        Assert.False(await site.ColumnExistsAsync("ledger", "flag"));
        Assert.Equal([("1", false)], (await site.HistoryAsync()).Select(h => (h.Version, h.Success)));
    }

    [Fact]
    public async Task Two_consoles_asked_at_once_run_one_operation_the_other_is_refused_naming_it_and_each_migration_is_applied_once()
    {
        var site = host.Site("twin");
        await site.ExecuteAsync("CREATE TABLE gate (id int);");
        // V1 waits for the test's open insert into gate, so the operation cannot end before both requests are answered.
        site.Write("V1__behind_the_gate.sql", "LOCK TABLE gate IN EXCLUSIVE MODE;\nCREATE TABLE twin_done (id int);\n");
        site.Write("V2__twin_more.sql", "ALTER TABLE twin_done ADD COLUMN at timestamptz;\n");
        await using var gate = await site.OpenAsync(application: "gate-keeper");
        await using var open = await gate.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO gate VALUES (1)", gate, open))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await using var second = await TestConsole.StartAsync(postgres.SharedConnectionString, host.Settings);
        using var secondSre = second.Api(host.SreToken);
        var answers = await Task.WhenAll(Sre.PostMigrationsAsync("twin", "apply"), secondSre.PostMigrationsAsync("twin", "apply"));
        try
        {
            Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
            var id = (await answers.Single(a => a.StatusCode == HttpStatusCode.Accepted).JsonAsync()).GetProperty("id").GetGuid();
            var (_, _, detail) = await answers.Single(a => a.StatusCode == HttpStatusCode.Conflict).ProblemAsync();
            // "database:twin is busy: … (operation <id>)", or, had it already started, the lock's holder "… op <id> …".
            Assert.Contains(id.ToString()[..8], detail, StringComparison.Ordinal);

            // The other console sees who holds the migration lock while the run waits at the gate.
            string? holder = null;
            await AlertTesting.WaitUntilAsync(
                async () => (holder = (await secondSre.MigrationsAsync("twin")).GetProperty("lockHolder").GetString()) is not null,
                "the running apply to hold the migration lock");
            Assert.StartsWith($"\"opsconsole migrate op {id.ToString("N")[..8]} by mig-sre\"", holder, StringComparison.Ordinal);
            await open.RollbackAsync();

            var done = await Console.WaitForFinalAsync(id);
            Assert.True(done.State == OperationState.Succeeded, done.Error);
            Assert.Equal([("1", true), ("2", true)], (await site.HistoryAsync()).Select(h => (h.Version, h.Success)));
            Assert.Single(await Console.ServiceAsync<OperationService, IReadOnlyList<OperationView>>(s => s.ListAsync(MigrationConsole.Reader, new OperationQuery(Target: "database:twin"))));
        }
        finally
        {
            foreach (var answer in answers)
            {
                answer.Dispose();
            }
        }
    }

    [Fact]
    public async Task Concurrently_in_a_transactional_file_is_refused_before_anything_runs_and_applies_once_the_file_is_marked_non_transactional()
    {
        var site = host.Site("concurrent");
        site.Write("V1__events.sql", "CREATE TABLE events (id int, at timestamptz);\n");
        const string index = "CREATE INDEX CONCURRENTLY events_at ON events (at);\n";
        site.Write("V2__events_at.sql", "-- the index, built without blocking writes\n" + index);

        var blocked = await Sre.MigrationsAsync("concurrent");
        Assert.False(blocked.GetProperty("canApply").GetBoolean());
        var flag = Assert.Single(blocked.Migration("2").GetProperty("flags").EnumerateArray());
        Assert.Equal((2, "refused", "cannot run in a transaction"), (flag.GetProperty("line").GetInt32(), flag.GetProperty("severity").GetString(), flag.GetProperty("lock").GetString()));
        using (var refused = await Sre.PostMigrationsAsync("concurrent", "apply"))
        {
            var (status, field, detail) = await refused.ProblemAsync();
            Assert.Equal((422, "database"), (status, field));
            Assert.Contains("V2__events_at.sql line 2: cannot run in a transaction", detail, StringComparison.Ordinal);
        }

        Assert.Empty(await site.HistoryAsync());
        Assert.False(await site.ExistsAsync("events")); // not even V1 ran

        site.Write("V2__events_at.sql", "-- opsconsole:no-transaction\n" + index);
        var id = await Sre.AcceptedAsync("concurrent", "apply");
        var done = await Console.WaitForFinalAsync(id);

        Assert.True(done.State == OperationState.Succeeded, done.Error);
        Assert.True(await site.ScalarAsync<bool>("SELECT indisvalid FROM pg_index WHERE indexrelid = 'events_at'::regclass"));
        Assert.Equal([true, false], (await Sre.RunAsync(id)).GetProperty("outcomes").EnumerateArray().Select(o => o.GetProperty("transactional").GetBoolean()));
        Assert.True((await Sre.MigrationsAsync("concurrent")).Migration("2").GetProperty("nonTransactional").GetBoolean());
        Assert.Contains(await Console.LogAsync(id), l => l.Text.StartsWith("V2__events_at.sql: 1 statement(s), non-transactional", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rehearsal_runs_on_a_copy_of_the_newest_verified_backup_reports_times_and_locks_leaves_the_live_database_alone_and_is_named_by_the_apply()
    {
        var site = host.Site("rehearse");
        await site.ExecuteAsync("CREATE TABLE orders (id int PRIMARY KEY, total numeric(10, 2)); INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;");
        site.Write("V1__orders_note.sql", "ALTER TABLE orders ADD COLUMN note text;\n");
        site.Write("V2__orders_total.sql", "CREATE INDEX orders_total ON orders (total);\n");
        site.Write("V3__orders_backfill.sql", "-- fills the note\nUPDATE orders SET note = 'x';\nSELECT no_such_function(1);\n");
        await AssertProblemAsync(await Sre.PostMigrationsAsync("rehearse", "rehearsals"), 422, "database"); // no verified backup yet

        using (var backupRequest = await Sre.PostJsonAsync("/api/v1/databases/rehearse/backups", new { purpose = "manual" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, backupRequest.StatusCode);
            var backedUp = await Console.WaitForFinalAsync((await backupRequest.JsonAsync()).GetProperty("id").GetGuid());
            Assert.True(backedUp.State == OperationState.Succeeded, backedUp.Error);
        }

        var rehearsalId = await Sre.AcceptedAsync("rehearse", "rehearsals", new { upTo = "2" });
        var rehearsed = await Console.WaitForFinalAsync(rehearsalId);

        Assert.True(rehearsed.State == OperationState.Succeeded, rehearsed.Error);
        var rehearsal = await Sre.RunAsync(rehearsalId);
        Assert.Equal(("rehearsal", true), (rehearsal.GetProperty("kind").GetString(), rehearsal.GetProperty("succeeded").GetBoolean()));
        var outcomes = rehearsal.GetProperty("outcomes").EnumerateArray().ToList();
        Assert.Equal(["V1__orders_note.sql", "V2__orders_total.sql"], outcomes.Select(o => o.GetProperty("fileName").GetString()));
        Assert.All(outcomes, o => Assert.True(o.GetProperty("seconds").GetDouble() > 0));
        Assert.Equal([("orders", "AccessExclusiveLock")], Locks(outcomes[0]));
        Assert.Contains(("orders", "ShareLock"), Locks(outcomes[1]));
        // The live database is as it was: still pending, no column, no copy left.
        Assert.Equal([("1", "pending"), ("2", "pending"), ("3", "pending")], (await Sre.MigrationsAsync("rehearse")).States());
        Assert.False(await site.ColumnExistsAsync("orders", "note"));
        Assert.Empty(await site.HistoryAsync());
        Assert.Empty(await site.RehearsalCopiesAsync());

        var failingId = await Sre.AcceptedAsync("rehearse", "rehearsals");
        var failing = await Console.WaitForFinalAsync(failingId);
        Assert.Equal(OperationState.Failed, failing.State);
        Assert.Contains("V3__orders_backfill.sql line 3 failed: function no_such_function(integer) does not exist", failing.Error, StringComparison.Ordinal);
        var failedRun = await Sre.RunAsync(failingId);
        Assert.Equal(("V3__orders_backfill.sql", 3), (failedRun.GetProperty("failedFile").GetString(), failedRun.GetProperty("failedLine").GetInt32()));
        Assert.Empty(await site.RehearsalCopiesAsync());
        Assert.False(await site.ColumnExistsAsync("orders", "note"));

        // The apply of exactly the rehearsed files names that rehearsal.
        var status = await Sre.MigrationsAsync("rehearse");
        Assert.Equal(failingId, status.GetProperty("rehearsal").GetProperty("id").GetGuid()); // the rehearsal of everything pending
        var applyId = await Sre.AcceptedAsync("rehearse", "apply", new { upTo = "2" });
        Assert.Equal(rehearsalId, (await Sre.RunAsync(applyId)).GetProperty("rehearsalId").GetGuid());
        var applied = await Console.WaitForFinalAsync(applyId);
        Assert.True(applied.State == OperationState.Succeeded, applied.Error);
        Assert.Equal([("1", "applied"), ("2", "applied"), ("3", "pending")], (await Sre.MigrationsAsync("rehearse")).States());

        static List<(string, string)> Locks(JsonElement outcome) =>
            [.. outcome.GetProperty("locks").EnumerateArray().Select(l => (l.GetProperty("relation").GetString()!, l.GetProperty("mode").GetString()!))];
    }

    [Fact]
    public async Task Undo_runs_the_newest_migrations_undo_script_records_it_and_makes_it_pending_again_and_only_the_newest_can_be_undone()
    {
        var site = host.Site("undo");
        site.Write("V1__items.sql", "CREATE TABLE items (id int);\n");
        site.Write("V2__items_label.sql", "ALTER TABLE items ADD COLUMN label text;\n");
        var undoChecksum = site.Write("U2__items_label.sql", "ALTER TABLE items DROP COLUMN label;\n");
        await site.ApplyDirectlyAsync("V1__items.sql", "V2__items_label.sql");
        var before = await Sre.MigrationsAsync("undo");
        Assert.Equal(("2", "U2__items_label.sql"), (before.GetProperty("undo").GetProperty("version").GetString(), before.GetProperty("undo").GetProperty("undoFile").GetString()));

        using (var older = await Sre.PostMigrationsAsync("undo", "undo", new { version = "1" }))
        {
            var (status, field, detail) = await older.ProblemAsync();
            Assert.Equal((422, "version"), (status, field));
            Assert.Contains("Only the newest applied migration can be undone: version 2 (U2__items_label.sql), not 1", detail, StringComparison.Ordinal);
        }

        var id = await Sre.AcceptedAsync("undo", "undo", new { version = "2" });
        var done = await Console.WaitForFinalAsync(id);

        Assert.True(done.State == OperationState.Succeeded, done.Error);
        var last = (await site.HistoryAsync())[^1];
        Assert.Equal(
            ("2", MigrationHistory.UndoType, "U2__items_label.sql", undoChecksum, true, (Guid?)id),
            (last.Version, last.Type, last.Script, last.Checksum, last.Success, last.OperationId));
        Assert.False(await site.ColumnExistsAsync("items", "label"));
        var after = await Sre.MigrationsAsync("undo");
        Assert.Equal([("1", "applied"), ("2", "pending")], after.States());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("undo").ValueKind); // V1 has no undo script
        await AuditLog.WaitForAsync(AuditDb, $"action = 'migrations.undone' AND target_id = 'undo' AND details->>'checksum' = '{undoChecksum}'");
        Assert.Equal(BackupPurposes.PreMigration, Assert.Single((await Console.ServiceAsync<BackupService, BackupPage>(s => s.ListBackupsAsync(MigrationConsole.Reader, "undo"))).Items).Purpose);
    }

    [Fact]
    public async Task On_a_database_that_requires_approval_the_apply_waits_a_second_sre_approves_it_and_a_plan_changed_meanwhile_is_not_run()
    {
        var site = host.Site("approval");
        site.Write("V1__approved.sql", "CREATE TABLE approved (id int);\n");
        Assert.True((await Sre.MigrationsAsync("approval")).GetProperty("needsApproval").GetBoolean());

        using var request = await Sre.PostMigrationsAsync("approval", "apply");
        Assert.Equal(HttpStatusCode.Accepted, request.StatusCode);
        var operation = await request.JsonAsync();
        Assert.Equal("awaiting_approval", operation.GetProperty("state").GetString());
        var id = operation.GetProperty("id").GetGuid();

        using (var self = await Sre.PostAsync(new Uri($"/api/v1/operations/{id}/approve", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        }

        Assert.Empty(await site.HistoryAsync());
        using (var approve = await host.SecondSre.PostAsync(new Uri($"/api/v1/operations/{id}/approve", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        var done = await Console.WaitForFinalAsync(id);
        Assert.True(done.State == OperationState.Succeeded, done.Error);
        Assert.Equal([("1", "mig-sre (approved by mig-sre2)", true)], (await site.HistoryAsync()).Select(h => (h.Version, h.InstalledBy, h.Success)));

        // Another tool applies what waits for approval: the approved run finds the plan changed and applies nothing twice.
        site.Write("V2__approved_note.sql", "ALTER TABLE approved ADD COLUMN note text;\n");
        var waiting = await Sre.AcceptedAsync("approval", "apply");
        await site.ApplyDirectlyAsync("V2__approved_note.sql");
        using (var approve = await host.SecondSre.PostAsync(new Uri($"/api/v1/operations/{waiting}/approve", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        var stale = await Console.WaitForFinalAsync(waiting);
        Assert.Equal(OperationState.Failed, stale.State);
        Assert.Contains("the pending migrations changed since they were requested (now nothing pending", stale.Error, StringComparison.Ordinal);
        Assert.Equal([("1", "mig-sre (approved by mig-sre2)"), ("2", "test-setup")], (await site.HistoryAsync()).Select(h => (h.Version, h.InstalledBy)));
    }

    [Fact]
    public async Task The_api_shows_states_and_sql_and_refuses_bad_requests_naming_the_field()
    {
        var site = host.Site("api");
        const string sql = "CREATE TABLE t (a int);\n\nCREATE INDEX t_a ON t (a);\n";
        var checksum = site.Write("V1__t.sql", sql);

        var status = await Sre.MigrationsAsync("api");
        Assert.True(status.GetProperty("configured").GetBoolean());
        var migration = status.Migration("1");
        Assert.Equal(("pending", "V1__t.sql", checksum, sql, 2), (
            migration.GetProperty("state").GetString(), migration.GetProperty("file").GetString(), migration.GetProperty("checksum").GetString(),
            migration.GetProperty("sql").GetString(), migration.GetProperty("statements").GetInt32()));
        var flag = Assert.Single(migration.GetProperty("flags").EnumerateArray());
        Assert.Equal((3, "warning", "SHARE on the table"), (flag.GetProperty("line").GetInt32(), flag.GetProperty("severity").GetString(), flag.GetProperty("lock").GetString()));
        Assert.Equal(status.GetProperty("fingerprint").GetString(), (await host.Viewer.MigrationsAsync("api")).GetProperty("fingerprint").GetString());

        await AssertProblemAsync(await Sre.PostMigrationsAsync("api", "apply", new { upTo = "one" }), 422, "upTo");
        await AssertProblemAsync(await Sre.PostMigrationsAsync("api", "apply", new { upTo = "0.5" }), 422, "upTo"); // nothing pending up to it
        await AssertProblemAsync(await Sre.PostMigrationsAsync("api", "undo", new { version = "1" }), 422, "version");
        await AssertProblemAsync(await Sre.PostMigrationsAsync("api", "rehearsals"), 422, "database"); // no verified backup
        await AssertProblemAsync(await Sre.PostMigrationsAsync("plain", "apply"), 422, "database"); // no migrations folder
        Assert.False((await Sre.MigrationsAsync("plain")).GetProperty("configured").GetBoolean());
        using var notJson = new StringContent("{not json", Encoding.UTF8, "application/json");
        await AssertProblemAsync(await Sre.PostAsync(new Uri("/api/v1/databases/api/migrations/apply", UriKind.Relative), notJson), 400, "body");

        using (var unknown = await Sre.GetAsync(new Uri("/api/v1/databases/nope/migrations", UriKind.Relative)))
        {
            Assert.Equal(404, (await unknown.ProblemAsync()).Status);
        }

        await AssertProblemAsync(await Sre.PostMigrationsAsync("nope", "apply"), 404, null);
        using (var noRun = await Sre.GetAsync(new Uri($"/api/v1/migration-runs/{Guid.NewGuid()}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, noRun.StatusCode);
        }

        using (var viewerApply = await host.Viewer.PostMigrationsAsync("api", "apply"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, viewerApply.StatusCode);
        }

        Assert.Equal(0, (await Sre.GetJsonAsync("/api/v1/databases/api/migrations/runs")).GetProperty("items").GetArrayLength());
        Assert.Empty(await site.HistoryAsync());
    }

    private async Task AssertApplyRefusedAsync(string database, string naming)
    {
        using var refused = await Sre.PostMigrationsAsync(database, "apply");
        var (status, field, detail) = await refused.ProblemAsync();
        Assert.Equal((422, "database"), (status, field));
        Assert.Contains(naming, detail, StringComparison.Ordinal);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, int status, string? field)
    {
        using (response)
        {
            var problem = await response.ProblemAsync();
            Assert.True((problem.Status, problem.Field) == (status, field), $"expected {status} naming {field ?? "nothing"}, got {problem.Status} naming {problem.Field}: {problem.Detail}");
        }
    }

    /// <summary>
    /// The class's console: every test's managed database configured up front (each its own empty database and
    /// folder), started once, with Sre, second-Sre and Viewer clients. Started by the first test (fixtures of xunit 2
    /// cannot take the collection's PostgreSQL).
    /// </summary>
    public sealed class Host : IAsyncLifetime
    {
        private static readonly string[] Plain = ["apply", "broken", "drift", "locked", "lockwait", "concurrent", "rehearse", "undo", "api"];

        private readonly Dictionary<string, MigrationSite> _sites = new(StringComparer.Ordinal);
        private TestConsole? _console;

        public TestConsole Console => _console ?? throw new InvalidOperationException("The host is not started.");

        public Dictionary<string, string?> Settings { get; } = new(StringComparer.Ordinal)
        {
            ["Backups:CatchUp"] = "false",
            ["Operations:FlushInterval"] = "00:00:00.100",
        };

        public string SreToken { get; private set; } = "";

        public HttpClient Sre { get; private set; } = default!;

        public HttpClient SecondSre { get; private set; } = default!;

        public HttpClient Viewer { get; private set; } = default!;

        public MigrationSite Site(string name) => _sites[name];

        public async Task StartAsync(PostgresFixture postgres)
        {
            if (_console is not null)
            {
                return;
            }

            await postgres.ResetSharedDatabaseAsync();
            foreach (var name in Plain)
            {
                await AddAsync(postgres, name);
            }

            await AddAsync(postgres, "ooo", ("Migrations:OutOfOrder", "true"));
            await AddAsync(postgres, "approval", ("RequireApproval", "true"));
            await AddAsync(postgres, "twin", ("Migrations:LockTimeout", "30s"));
            Settings["ManagedDatabases:plain:ConnectionString"] = _sites["api"].ConnectionString;
            Settings["ManagedDatabases:plain:Schedule"] = "0 0 1 1 *";

            _console = await TestConsole.StartAsync(postgres.SharedConnectionString, Settings);
            await _console.WaitForReadinessAsync();
            SreToken = await _console.CreateTokenForNewUserAsync("mig-sre", ConsoleRoles.Sre);
            Sre = _console.Api(SreToken);
            SecondSre = _console.Api(await _console.CreateTokenForNewUserAsync("mig-sre2", ConsoleRoles.Sre));
            Viewer = _console.Api(await _console.CreateTokenForNewUserAsync("mig-viewer", ConsoleRoles.Viewer));
        }

        private async Task AddAsync(PostgresFixture postgres, string name, params (string Key, string Value)[] extra)
        {
            var site = new MigrationSite(name, await postgres.CreateEmptyDatabaseAsync());
            _sites[name] = site;
            foreach (var (key, value) in site.Settings(extra))
            {
                Settings[key] = value;
            }
        }

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            Sre?.Dispose();
            SecondSre?.Dispose();
            Viewer?.Dispose();
            if (_console is not null)
            {
                await _console.DisposeAsync();
            }

            foreach (var site in _sites.Values)
            {
                site.Dispose();
            }
        }
    }
}
