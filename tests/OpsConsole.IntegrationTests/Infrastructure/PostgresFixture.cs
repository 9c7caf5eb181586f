using Microsoft.EntityFrameworkCore;
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

    /// <summary>The shared database; migrated by the first console host that starts on it.</summary>
    public string SharedConnectionString => WithDatabase("opsconsole");

    public async Task InitializeAsync()
    {
        Server = await EmbeddedPostgres.StartAsync(
            new EmbeddedPostgresOptions { DataDirectory = _directory.FullName, StartTimeout = TimeSpan.FromSeconds(60) },
            NullLogger.Instance);

        // Migrate the shared database up front, so Respawn always finds the schema whatever test runs first.
        var options = new DbContextOptionsBuilder<ConsoleDbContext>();
        ConsoleDatabase.Configure(options, SharedConnectionString);
        await using var db = new ConsoleDbContext(options.Options);
        await db.Database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
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
            TablesToIgnore = [new Respawn.Graph.Table("console", "__EFMigrationsHistory")],
        });
        await _respawner.ResetAsync(connection);
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
