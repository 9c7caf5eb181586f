using Microsoft.Extensions.Logging.Abstractions;
using OpsConsole.Core.Data;
using Npgsql;
using OpsConsole.Core.Hosting;
using Respawn;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>
/// One real PostgreSQL for the whole test run, started through the console's own launcher in a temp directory on a
/// free port. Tests share one migrated database reset by Respawn, or ask for a fresh empty database of their own.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("opsconsole-it-");
    private Respawner? _respawner;
    private int _databases;

    public EmbeddedPostgres Server { get; private set; } = default!;

    /// <summary>The console's unprivileged runtime role, as the embedded launcher creates it (cluster-wide).</summary>
    public const string RuntimeRolePassword = "integration-tests-runtime-role";

    /// <summary>The shared database, as the owner (superuser); migrated by the first console host that starts on it.</summary>
    public string SharedConnectionString => WithDatabase("opsconsole");

    /// <summary>The same database as the console's runtime role sees it.</summary>
    public static string AsRuntimeRole(string ownerConnectionString) =>
        new NpgsqlConnectionStringBuilder(ownerConnectionString)
        {
            Username = ConsoleRuntimeRole.EmbeddedRoleName,
            Password = RuntimeRolePassword,
        }.ConnectionString;

    public async Task InitializeAsync()
    {
        Server = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = _directory.FullName, StartTimeout = TimeSpan.FromSeconds(60) },
            NullLogger.Instance);

        await ConsoleRuntimeRole.EnsureRoleAsync(SharedConnectionString, ConsoleRuntimeRole.EmbeddedRoleName, RuntimeRolePassword, CancellationToken.None);
        // Migrate the shared database up front, so Respawn always finds the schema whatever test runs first.
        var migrator = new DatabaseMigrator(
            new ConsoleConnectionStrings(AsRuntimeRole(SharedConnectionString), SharedConnectionString),
            NullLogger<DatabaseMigrator>.Instance);
        await migrator.MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        OpsConsole.Core.Data.NamedDataSources.ClearAll();
        await Server.DisposeAsync();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Temp directory; a stray file left by a failed test is harmless.
        }
    }

    /// <summary>A new, empty database (no schema) on the shared server.</summary>
    public async Task<string> CreateEmptyDatabaseAsync()
    {
        var name = $"it_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..30];
        await using var connection = new NpgsqlConnection(WithDatabase("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return WithDatabase(name);
    }

    /// <summary>Deletes all rows of the console schema in the shared database (keeps the migration history).</summary>
    public async Task ResetSharedDatabaseAsync()
    {
        await using var connection = new NpgsqlConnection(SharedConnectionString);
        await connection.OpenAsync();
        _respawner ??= await Respawner.CreateAsync(connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = ["console"],
            TablesToIgnore =
            [
                new Respawn.Graph.Table("console", "__EFMigrationsHistory"),
                new Respawn.Graph.Table("console", "audit_chain_head"),
                .. ConsoleRuntimeRole.AppendOnlyTables.Select(t => new Respawn.Graph.Table("console", t)),
            ],
        });
        await _respawner.ResetAsync(connection);
        await ResetAuditLogAsync(connection);
    }

    /// <summary>
    /// The audit tables refuse DELETE and TRUNCATE to everyone while their triggers fire; a superuser session in
    /// replica mode skips ordinary triggers, which is how a test (never the console) empties them.
    /// </summary>
    private static async Task ResetAuditLogAsync(NpgsqlConnection superuser)
    {
        await using var reset = new NpgsqlCommand(
            """
            SET session_replication_role = replica;
            TRUNCATE console.audit_log, console.audit_checkpoints, console.audit_signing_keys;
            UPDATE console.audit_chain_head SET last_sequence = 0, last_hash = '\x0000000000000000000000000000000000000000000000000000000000000000';
            RESET session_replication_role;
            """,
            superuser);
        await reset.ExecuteNonQueryAsync();
    }

    public string WithDatabase(string database) =>
        new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Database = database }.ConnectionString;
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    /// <summary>Every test that needs PostgreSQL joins this collection: one server per run, tests run one at a time.</summary>
    public const string Name = "postgres";
}
