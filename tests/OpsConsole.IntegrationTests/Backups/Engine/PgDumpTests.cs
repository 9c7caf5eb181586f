using Npgsql;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Operations;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Backups.Engine;

/// <summary>The real pg_dump against the test PostgreSQL: files, checksums, manifests, and every way a dump can end badly.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PgDumpTests(PostgresFixture postgres) : IDisposable
{
    private readonly DirectoryInfo backups = EngineTestData.NewBackupDirectory();

    public void Dispose() => backups.Delete(recursive: true);

    [Fact]
    public async Task Dump_verify_and_drill_round_trip()
    {
        var connectionString = await EngineTestData.CreateShopAsync(postgres);
        using var ctx = new RecordingOperationContext();

        var dump = await PgDump.RunAsync(connectionString, backups.FullName, "shop-1", ctx);

        Assert.Equal(Path.Combine(backups.FullName, "shop-1.dump"), dump.FullPath);
        Assert.Equal(["shop-1.dump"], EngineTestData.FilesIn(backups));
        Assert.Equal(EngineTestData.ShopManifest.OrderBy(e => e.Key, StringComparer.Ordinal), dump.Manifest.OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.Equal(new FileInfo(dump.FullPath).Length, dump.SizeBytes);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dump.FullPath));
        var (exitCode, sha256sum, _) = await ToolProcess.RunAsync("sha256sum", [dump.FullPath]);
        Assert.Equal(0, exitCode);
        Assert.Equal(sha256sum.Split(' ')[0], dump.Sha256Hex);
        Assert.Equal(dump.ServerVersion.ReleaseLine, dump.PgDumpVersion.ReleaseLine); // the test server and its own pg_dump
        Assert.True(dump.Duration > TimeSpan.Zero);

        // Progress went through the tables in order and ended at 1; the log names them.
        var fractions = ctx.Reports.Select(r => r.Fraction ?? 0).ToList();
        Assert.Equal(fractions.Order(), fractions);
        Assert.Equal(1.0, fractions[^1]);
        Assert.Contains(ctx.Reports, r => r.Step == "dumping public.orders");
        Assert.Contains(ctx.Lines, l => l.Line == "dumping \"Odd Schema\".\"odd.Table\"");
        Assert.DoesNotContain(ctx.Lines, l => l.Level == OperationLogLevel.Error);

        using var verifyCtx = new RecordingOperationContext();
        var verified = await BackupVerifier.VerifyAsync(dump.FullPath, dump.Sha256Hex, dump.Manifest, verifyCtx);
        Assert.Equal(dump.Sha256Hex, verified.Sha256Hex);
        Assert.Equal(EngineTestData.ShopManifest.Count, verified.TableDataEntries);

        using var drillCtx = new RecordingOperationContext();
        var drill = await RestoreDrill.RunAsync(connectionString, dump.FullPath, dump.Manifest, drillCtx);
        Assert.True(drill.Succeeded, drill.Error);
        Assert.Empty(drill.Mismatches);
        Assert.True(drill.RestoreDuration > TimeSpan.Zero);
        Assert.StartsWith(EngineTestData.DatabaseOf(connectionString) + "__drill_", drill.ScratchDatabase, StringComparison.Ordinal);
        Assert.Contains(drillCtx.Reports, r => r.Step == "restoring public.orders");
        Assert.Empty(await EngineTestData.DatabasesStartingWithAsync(postgres, drill.ScratchDatabase));
    }

    [Fact]
    public async Task Rows_written_after_the_snapshot_is_taken_are_in_neither_the_manifest_nor_the_dump()
    {
        var connectionString = await EngineTestData.CreateShopAsync(postgres);
        using var ctx = new RecordingOperationContext();
        var written = false;
        ctx.OnLog = (line, _) =>
        {
            if (line.StartsWith("snapshot ", StringComparison.Ordinal))
            {
                // Between the snapshot and pg_dump's start: only pg_dump importing the snapshot keeps these rows out.
                written = true;
                using var connection = new NpgsqlConnection(connectionString);
                connection.Open();
                using var insert = new NpgsqlCommand("INSERT INTO orders (customer_id, total) SELECT 1, g FROM generate_series(1, 500) g; INSERT INTO empty_table VALUES (1)", connection);
                insert.ExecuteNonQuery();
            }
        };

        var dump = await PgDump.RunAsync(connectionString, backups.FullName, "shop-2", ctx);

        Assert.True(written);
        Assert.Equal(1500, await EngineTestData.ScalarAsync(connectionString, "SELECT count(*) FROM orders"));
        Assert.Equal(1000, dump.Manifest["public.orders"]);
        Assert.Equal(0, dump.Manifest["public.empty_table"]);
        using var drillCtx = new RecordingOperationContext();
        var drill = await RestoreDrill.RunAsync(connectionString, dump.FullPath, dump.Manifest, drillCtx);
        Assert.True(drill.Succeeded, drill.Error);
    }

    [Fact]
    public async Task Cancelling_mid_dump_stops_pg_dump_and_leaves_no_file()
    {
        var connectionString = await EngineTestData.CreateBigAsync(postgres);
        using var ctx = new RecordingOperationContext();
        ctx.OnProgress = (_, step) =>
        {
            if (step == "dumping public.big")
            {
                ctx.Cancel();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PgDump.RunAsync(connectionString, backups.FullName, "big-1", ctx));

        Assert.Empty(EngineTestData.FilesIn(backups));
        Assert.Contains(ctx.Lines, l => l.Line.Contains("cancelled", StringComparison.Ordinal));
        Assert.False(EngineTestData.KillOwnPgDump(), "pg_dump still runs after the cancel");
    }

    [Fact]
    public async Task A_killed_pg_dump_fails_the_backup_and_leaves_no_file()
    {
        var connectionString = await EngineTestData.CreateBigAsync(postgres);
        using var ctx = new RecordingOperationContext();
        var killed = false;
        ctx.OnProgress = (_, step) =>
        {
            if (step == "dumping public.big")
            {
                killed = EngineTestData.KillOwnPgDump();
            }
        };

        var failure = await Assert.ThrowsAsync<BackupFailedException>(() => PgDump.RunAsync(connectionString, backups.FullName, "big-2", ctx));

        Assert.True(killed);
        Assert.Equal(BackupFailure.ToolKilled, failure.Reason);
        Assert.StartsWith("pg_dump was killed by signal 9 (SIGKILL)", failure.Message, StringComparison.Ordinal);
        Assert.Empty(EngineTestData.FilesIn(backups));
        Assert.Contains(ctx.Lines, l => l.Level == OperationLogLevel.Error && l.Line == failure.Message);
    }

    [Fact]
    public async Task A_full_disk_fails_with_disk_full_and_leaves_no_partial_file()
    {
        var connectionString = await EngineTestData.CreateBigAsync(postgres);
        var mount = backups.CreateSubdirectory("small");
        var (mounted, _, mountError) = await ToolProcess.RunAsync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mount.FullName]);
        Assert.True(mounted == 0, $"the disk-full test mounts a 2 MB tmpfs and needs root for it: {mountError}");
        try
        {
            using var ctx = new RecordingOperationContext();

            var failure = await Assert.ThrowsAsync<BackupFailedException>(() => PgDump.RunAsync(connectionString, mount.FullName, "big-3", ctx));

            Assert.Equal(BackupFailure.DiskFull, failure.Reason);
            Assert.StartsWith($"disk full: no space left on the device of {mount.FullName}", failure.Message, StringComparison.Ordinal);
            Assert.Empty(EngineTestData.FilesIn(mount));
            Assert.False(EngineTestData.KillOwnPgDump(), "pg_dump still runs after the failure");
        }
        finally
        {
            await ToolProcess.RunAsync("umount", [mount.FullName]);
        }
    }

    [Fact]
    public async Task An_older_pg_dump_is_refused_before_anything_is_written()
    {
        var connectionString = await EngineTestData.CreateShopAsync(postgres);
        var server = (await DatabaseProbe.ReadAsync(connectionString, CancellationToken.None)).ServerVersion;
        var tools = backups.CreateSubdirectory("old-client");
        foreach (var program in new[] { "pg_dump", "pg_restore" })
        {
            var path = Path.Combine(tools.FullName, program);
            await File.WriteAllTextAsync(path, $"#!/bin/sh\necho '{program} (PostgreSQL) 9.6.24'\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        using var ctx = new RecordingOperationContext();
        var failure = await Assert.ThrowsAsync<BackupFailedException>(() =>
            PgDump.RunAsync(connectionString, backups.FullName, "shop-3", ctx, PgClientTools.Locate(tools.FullName)));

        Assert.Equal(BackupFailure.VersionMismatch, failure.Reason);
        Assert.Equal($"pg_dump 9.6.24 cannot dump a PostgreSQL {server.Text} server: install postgresql-client-{server.ReleaseLine} or newer", failure.Message);
        Assert.Equal(["old-client"], backups.EnumerateFileSystemInfos().Select(f => f.Name));
    }

    [Fact]
    public async Task A_missing_pg_dump_directory_names_the_directory()
    {
        var connectionString = await EngineTestData.CreateShopAsync(postgres);
        var missing = Path.Combine(backups.FullName, "no-such-bin");

        var located = Assert.Throws<BackupFailedException>(() => PgClientTools.Locate(missing));
        Assert.Equal(BackupFailure.ToolMissing, located.Reason);
        Assert.Equal($"pg_dump and pg_restore were not found in {missing} (the configured directory); install the postgresql-client package of the server's major version (postgresql-client-<major>) or correct the directory", located.Message);

        // Tools that vanished after they were located fail the same way, at the first run.
        using var ctx = new RecordingOperationContext();
        var run = await Assert.ThrowsAsync<BackupFailedException>(() => PgDump.RunAsync(connectionString, backups.FullName, "shop-4", ctx, new PgClientTools(missing)));
        Assert.Equal(BackupFailure.ToolMissing, run.Reason);
        Assert.StartsWith($"could not run {missing}/pg_dump", run.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_or_an_unreachable_port_fails_clearly_without_the_password()
    {
        const string WrongPassword = "not-the-password-4711";
        var connectionString = await EngineTestData.CreateShopAsync(postgres);
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Password = WrongPassword };
        using var ctx = new RecordingOperationContext();

        var wrong = await Assert.ThrowsAsync<BackupFailedException>(() => PgDump.RunAsync(builder.ConnectionString, backups.FullName, "shop-5", ctx));

        Assert.Equal(BackupFailure.Connection, wrong.Reason);
        Assert.Equal($"password authentication failed for user \"{builder.Username}\" at 127.0.0.1:{builder.Port}", wrong.Message);
        Assert.Contains(ctx.Lines, l => l.Level == OperationLogLevel.Error && l.Line == wrong.Message);

        var port = EngineTestData.UnusedPort();
        var unreachable = await Assert.ThrowsAsync<BackupFailedException>(() =>
            PgDump.RunAsync(new NpgsqlConnectionStringBuilder(connectionString) { Port = port }.ConnectionString, backups.FullName, "shop-6", ctx));
        Assert.Equal(BackupFailure.Connection, unreachable.Reason);
        Assert.Equal($"could not reach 127.0.0.1:{port}: connection refused (is PostgreSQL running and listening there?)", unreachable.Message);

        Assert.DoesNotContain(ctx.Lines, l => l.Line.Contains(WrongPassword, StringComparison.Ordinal));
        Assert.Empty(EngineTestData.FilesIn(backups));
    }

    [Fact]
    public async Task An_existing_backup_is_never_overwritten()
    {
        var connectionString = await EngineTestData.CreateShopAsync(postgres);
        var existing = Path.Combine(backups.FullName, "shop-7.dump");
        await File.WriteAllTextAsync(existing, "older backup");
        using var ctx = new RecordingOperationContext();

        var failure = await Assert.ThrowsAsync<BackupFailedException>(() => PgDump.RunAsync(connectionString, backups.FullName, "shop-7", ctx));

        Assert.Equal(BackupFailure.Storage, failure.Reason);
        Assert.Equal($"{existing} already exists; a backup never overwrites another", failure.Message);
        Assert.Equal("older backup", await File.ReadAllTextAsync(existing));
        Assert.Equal(["shop-7.dump"], EngineTestData.FilesIn(backups));
    }
}
