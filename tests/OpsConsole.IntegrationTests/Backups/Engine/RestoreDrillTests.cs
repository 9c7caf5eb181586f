using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Operations;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Backups.Engine;

/// <summary>Restore drills into scratch databases with the real pg_restore: mismatches reported, scratch databases always dropped.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RestoreDrillTests(PostgresFixture postgres) : IDisposable
{
    private readonly DirectoryInfo backups = EngineTestData.NewBackupDirectory();

    public void Dispose() => backups.Delete(recursive: true);

    [Fact]
    public async Task Counts_that_differ_from_the_manifest_fail_the_drill_naming_each_table()
    {
        var connectionString = await EngineTestData.CreateShopAsync(postgres);
        using var dumpCtx = new RecordingOperationContext();
        var dump = await PgDump.RunAsync(connectionString, backups.FullName, "shop", dumpCtx);
        var manifest = new Dictionary<string, long>(dump.Manifest) { ["public.orders"] = 999, ["public.refunds"] = 2 };
        manifest.Remove("public.customers");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 3, 30, 0, TimeSpan.Zero));
        using var ctx = new RecordingOperationContext();

        var drill = await RestoreDrill.RunAsync(connectionString, dump.FullPath, manifest, ctx, clock: clock);

        Assert.False(drill.Succeeded);
        Assert.Equal(EngineTestData.DatabaseOf(connectionString) + "__drill_20261207033000", drill.ScratchDatabase);
        Assert.Equal(
            [new RowCountMismatch("public.customers", null, 50), new RowCountMismatch("public.orders", 999, 1000), new RowCountMismatch("public.refunds", 2, null)],
            drill.Mismatches);
        Assert.StartsWith("3 table(s) differ from the manifest: public.customers: not in the manifest, 50 rows restored; ", drill.Error, StringComparison.Ordinal);
        Assert.True(drill.RestoreDuration > TimeSpan.Zero);
        Assert.Contains(ctx.Lines, l => l.Level == OperationLogLevel.Error && l.Line == "row count mismatch: public.orders: 999 rows expected, 1000 restored");
        Assert.Empty(await EngineTestData.DatabasesStartingWithAsync(postgres, drill.ScratchDatabase));
    }

    [Fact]
    public async Task A_cancelled_drill_still_drops_its_scratch_database()
    {
        var connectionString = await EngineTestData.CreateBigAsync(postgres);
        using var dumpCtx = new RecordingOperationContext();
        var dump = await PgDump.RunAsync(connectionString, backups.FullName, "big", dumpCtx);
        using var ctx = new RecordingOperationContext();
        var scratchSeen = 0L;
        ctx.OnProgress = (_, step) =>
        {
            if (step == "restoring public.big")
            {
                scratchSeen = EngineTestData.DatabasesStartingWithAsync(postgres, EngineTestData.DatabaseOf(connectionString) + "__drill_").GetAwaiter().GetResult().Count;
                ctx.Cancel();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RestoreDrill.RunAsync(connectionString, dump.FullPath, dump.Manifest, ctx));

        Assert.Equal(1, scratchSeen);
        Assert.Empty(await EngineTestData.DatabasesStartingWithAsync(postgres, EngineTestData.DatabaseOf(connectionString) + "__drill_"));
        Assert.Contains(ctx.Lines, l => l.Line.EndsWith(" dropped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_backup_pg_restore_rejects_fails_the_drill_with_its_error()
    {
        var connectionString = await EngineTestData.CreateShopAsync(postgres);
        var path = Path.Combine(backups.FullName, "garbage.dump");
        await File.WriteAllTextAsync(path, "this is not a pg_dump archive\n");
        using var ctx = new RecordingOperationContext();

        var drill = await RestoreDrill.RunAsync(connectionString, path, EngineTestData.ShopManifest, ctx);

        Assert.False(drill.Succeeded);
        Assert.StartsWith("pg_restore failed with exit code 1: pg_restore: error: ", drill.Error, StringComparison.Ordinal);
        Assert.Empty(await EngineTestData.DatabasesStartingWithAsync(postgres, drill.ScratchDatabase));
    }

    [Fact]
    public async Task The_restart_sweep_drops_drill_leftovers_but_never_a_set_aside_database()
    {
        var connectionString = await EngineTestData.CreateShopAsync(postgres);
        var database = EngineTestData.DatabaseOf(connectionString);
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var leftover = ScratchDatabaseName.For(database, ScratchPurpose.Drill, at);
        var setAside = ScratchDatabaseName.For(database, ScratchPurpose.Before, at);
        var lookalike = database + "__drill_notastamp";
        foreach (var name in new[] { leftover, setAside, lookalike })
        {
            await EngineTestData.ExecuteAsync(postgres.WithDatabase("postgres"), $"CREATE DATABASE \"{name}\"");
        }

        // A session still connected to the leftover (a dead console's pg_restore would be) does not stop the sweep.
        await using var stray = new Npgsql.NpgsqlConnection(postgres.WithDatabase(leftover));
        await stray.OpenAsync();

        var dropped = await BackupCleanup.DropScratchDatabasesAsync(connectionString, CancellationToken.None);

        Assert.Equal([leftover], dropped);
        Assert.Equal(new[] { lookalike, setAside }.Order(StringComparer.Ordinal), (await EngineTestData.DatabasesStartingWithAsync(postgres, database + "__")).Order(StringComparer.Ordinal));
        Assert.Throws<ArgumentException>(() => BackupCleanup.DropScratchDatabasesAsync(connectionString, [ScratchPurpose.Before], CancellationToken.None).GetAwaiter().GetResult());
        foreach (var name in new[] { setAside, lookalike })
        {
            await EngineTestData.ExecuteAsync(postgres.WithDatabase("postgres"), $"DROP DATABASE \"{name}\"");
        }
    }

    [Fact]
    public void The_restart_sweep_deletes_partial_files_only()
    {
        File.WriteAllText(Path.Combine(backups.FullName, "a.dump.partial"), "half");
        File.WriteAllText(Path.Combine(backups.FullName, "b.dump"), "whole");
        var nested = backups.CreateSubdirectory("nested");
        File.WriteAllText(Path.Combine(nested.FullName, "c.dump.partial"), "not ours");

        var deleted = BackupCleanup.DeletePartialFiles(backups.FullName);

        Assert.Equal([Path.Combine(backups.FullName, "a.dump.partial")], deleted);
        Assert.Equal(["b.dump"], EngineTestData.FilesIn(backups));
        Assert.Empty(BackupCleanup.DeletePartialFiles(Path.Combine(backups.FullName, "missing")));
    }
}
