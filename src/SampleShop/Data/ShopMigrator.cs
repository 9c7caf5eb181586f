using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace SampleShop.Data;

/// <summary>One schema file: <c>Sql/NNN_name.sql</c>.</summary>
public sealed record ShopMigration(int Version, string Name, string Path);

/// <summary>
/// Applies the ordered files in <c>Sql/</c> that <c>shop.schema_versions</c> does not list yet, all in one transaction
/// under an advisory lock, so concurrent starts apply each file once and a failed file leaves nothing half-done.
/// </summary>
public sealed partial class ShopMigrator(NpgsqlDataSource dataSource, ILogger<ShopMigrator> logger)
{
    /// <summary>Any constant: serializes concurrent migrations of the shop's database.</summary>
    private const long LockKey = 0x53686f704d696772; // "ShopMigr"

    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "Sql");

    /// <summary>The migration files in version order; a name that does not fit the pattern or a repeated version is an error.</summary>
    public static IReadOnlyList<ShopMigration> Discover(string directory)
    {
        var migrations = new List<ShopMigration>();
        foreach (var path in Directory.EnumerateFiles(directory, "*.sql"))
        {
            var match = FileName().Match(Path.GetFileName(path));
            if (!match.Success)
            {
                throw new InvalidOperationException($"SQL migration file {path} is not named NNN_name.sql.");
            }

            migrations.Add(new ShopMigration(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, path));
        }

        var repeated = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            throw new InvalidOperationException($"SQL migration version {repeated.Key} is used by more than one file: {string.Join(", ", repeated.Select(m => m.Path))}.");
        }

        return [.. migrations.OrderBy(m => m.Version)];
    }

    /// <summary>Returns the versions applied by this call.</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(string directory, CancellationToken cancellationToken)
    {
        var migrations = Discover(directory);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
        await ExecuteAsync(
            connection,
            """
            CREATE SCHEMA IF NOT EXISTS shop;
            CREATE TABLE IF NOT EXISTS shop.schema_versions (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """,
            cancellationToken);

        var applied = new HashSet<int>();
        await using (var select = new NpgsqlCommand("SELECT version FROM shop.schema_versions", connection))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetInt32(0));
            }
        }

        var done = new List<int>();
        foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
        {
            await ExecuteAsync(connection, await File.ReadAllTextAsync(migration.Path, cancellationToken), cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO shop.schema_versions (version, name) VALUES (@version, @name)", connection);
            record.Parameters.AddWithValue("version", migration.Version);
            record.Parameters.AddWithValue("name", migration.Name);
            await record.ExecuteNonQueryAsync(cancellationToken);
            done.Add(migration.Version);
            LogApplied(migration.Version, migration.Name);
        }

        await transaction.CommitAsync(cancellationToken);
        return done;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [GeneratedRegex(@"^(\d+)_([A-Za-z0-9_]+)\.sql$")]
    private static partial Regex FileName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied SQL migration {Version} ({Name})")]
    private partial void LogApplied(int version, string name);
}
