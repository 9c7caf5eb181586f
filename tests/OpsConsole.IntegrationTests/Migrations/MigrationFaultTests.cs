using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Operations;
using OpsConsole.IntegrationTests.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.IntegrationTests.Restores.Infrastructure;

namespace OpsConsole.IntegrationTests.Migrations;

/// <summary>
/// A managed database server that dies in the middle of a migration (issue 18): the managed database lives on a second
/// cluster (<see cref="ManagedCluster"/>) that the test stops like a crash while a migration runs, then starts again.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MigrationFaultTests(PostgresFixture postgres, ManagedClusterFixture clusters) : IClassFixture<ManagedClusterFixture>, IAsyncLifetime
{
    private static readonly System.Security.Claims.ClaimsPrincipal Sre = TestPrincipals.Of("sre-sam", ConsoleRoles.Sre, "user-sam");
    private readonly ManagedCluster _cluster = clusters.Cluster;
    private TestConsole? _console;
    private MigrationSite? _site;

    public Task InitializeAsync() => postgres.ResetSharedDatabaseAsync();

    public async Task DisposeAsync()
    {
        if (_console is not null)
        {
            await _console.DisposeAsync();
        }

        if (!_cluster.IsRunning)
        {
            await _cluster.StartAgainAsync();
        }

        _site?.Dispose();
    }

    [Fact]
    public async Task A_server_stopped_mid_migration_fails_the_apply_naming_the_file_and_once_back_the_history_does_not_claim_it_and_its_changes_are_absent()
    {
        await using (var admin = new NpgsqlConnection(_cluster.ConnectionString("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE crashing_shop", admin);
            await create.ExecuteNonQueryAsync();
        }

        var site = _site = new MigrationSite("shop", _cluster.ConnectionString("crashing_shop"));
        site.Write("V1__first.sql", "CREATE TABLE first (id int);\n");
        site.Write("V2__slow.sql", "CREATE TABLE slow_marker (id int);\nSELECT pg_sleep(60);\n");
        var settings = site.Settings();
        settings["Backups:CatchUp"] = "false";
        settings["Operations:FlushInterval"] = "00:00:00.100";
        _console = await TestConsole.StartAsync(postgres.SharedConnectionString, settings);
        await _console.WaitForReadinessAsync();

        var operation = await _console.ServiceAsync<MigrationService, OperationView>(s => s.ApplyAsync(Sre, "shop"));
        // V1 committed, V2 created its table and sleeps inside its transaction: the server dies now.
        await AlertTesting.WaitUntilAsync(
            async () => await ScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'opsconsole migrate%' AND query = 'SELECT pg_sleep(60)' AND state = 'active'") == 1,
            "the migration to sleep in V2__slow.sql");
        await _cluster.StopImmediateAsync();
        var done = await _console.WaitForFinalAsync(operation.Id);

        Assert.Equal(OperationState.Failed, done.State);
        Assert.Contains("V2__slow.sql line 2 failed: the connection failed: ", done.Error, StringComparison.Ordinal);
        Assert.Contains("; nothing of it was committed. V1__first.sql stayed applied; to go back, restore the pre-migration backup shop-", done.Error, StringComparison.Ordinal);
        Assert.Contains(await _console.LogAsync(operation.Id), l => l.Level == OperationLogLevel.Warning
            && l.Text.StartsWith("V2__slow.sql: the failure could not be recorded in public.opsconsole_schema_history", StringComparison.Ordinal));
        var run = await _console.ServiceAsync<MigrationService, MigrationRunView?>(s => s.GetRunAsync(Sre, operation.Id));
        Assert.Equal((false, "V2__slow.sql", (int?)2), (run!.Succeeded, run.FailedFile, run.FailedLine));
        var unreachable = await _console.ServiceAsync<MigrationService, MigrationsView>(s => s.GetAsync(Sre, "shop"));
        Assert.NotNull(unreachable.Unreachable);
        Assert.StartsWith("the history cannot be read: ", unreachable.Blockers[0], StringComparison.Ordinal);

        await _cluster.StartAgainAsync();
        Assert.Equal([("1", true)], (await site.HistoryAsync()).Select(h => (h.Version, h.Success)));
        Assert.True(await site.ExistsAsync("first"));
        Assert.False(await site.ExistsAsync("slow_marker"));
        var status = await _console.ServiceAsync<MigrationService, MigrationsView>(s => s.GetAsync(Sre, "shop"));
        Assert.Equal([("1", MigrationState.Applied), ("2", MigrationState.Pending)], status.Migrations.Select(m => (m.Version, m.State)));
        Assert.True(status.CanApply);
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(_cluster.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
