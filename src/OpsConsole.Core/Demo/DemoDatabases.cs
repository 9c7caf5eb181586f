using Microsoft.Extensions.Configuration;
using Npgsql;
using OpsConsole.Core.Backups;

namespace OpsConsole.Core.Demo;

/// <summary>
/// The managed databases the demo adds, so the Databases page is alive on first run: SampleShop's database and the
/// console's own, both through the embedded cluster's superuser (backups need to read every table, drills to create
/// scratch databases). A configured entry of the same name wins.
/// </summary>
public static class DemoDatabases
{
    public const string ConsoleName = "console";

    /// <param name="shopMigrations">SampleShop's migrations folder (beside its binary); null or missing: none.</param>
    public static IReadOnlyDictionary<string, string?> Entries(IConfiguration configuration, string clusterAdminConnectionString, string? shopMigrations = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterAdminConnectionString);
        var entries = new Dictionary<string, string?>();
        var section = configuration.GetSection(ManagedDatabaseOptions.Section);
        void Add(string name, string connectionString, string schedule, string rpo, string drill, bool production = false)
        {
            if (section.GetSection(name).Exists())
            {
                return;
            }

            var key = $"{ManagedDatabaseOptions.Section}:{name}";
            entries[$"{key}:{nameof(ManagedDatabaseOptions.ConnectionString)}"] = connectionString;
            entries[$"{key}:{nameof(ManagedDatabaseOptions.Schedule)}"] = schedule;
            entries[$"{key}:{nameof(ManagedDatabaseOptions.Rpo)}"] = rpo;
            entries[$"{key}:{nameof(ManagedDatabaseOptions.DrillSchedule)}"] = drill;
            if (production)
            {
                entries[$"{key}:{nameof(ManagedDatabaseOptions.Protected)}"] = "true";
                entries[$"{key}:{nameof(ManagedDatabaseOptions.RequireApproval)}"] = "true";
            }
        }

        var sampleShop = new NpgsqlConnectionStringBuilder(clusterAdminConnectionString) { Database = SampleShopDatabase.Name }.ConnectionString;
        // Every 6 hours with a 7-hour RPO, so a demo left running shows freshness move; a nightly drill.
        Add(SampleShopDatabase.Name, sampleShop, "0 */6 * * *", "7h", "30 4 * * *");
        if (shopMigrations is not null && Directory.Exists(shopMigrations) && !section.GetSection(SampleShopDatabase.Name).Exists())
        {
            entries[$"{ManagedDatabaseOptions.Section}:{SampleShopDatabase.Name}:Migrations:Path"] = shopMigrations;
        }

        // The console's own database plays production: protected, and its dangerous actions need a second person.
        Add(ConsoleName, clusterAdminConnectionString, "15 3 * * *", "26h", "45 4 * * 0", production: true);
        return entries;
    }
}

/// <summary>
/// Holds SampleShop's first scheduled backup until SampleShop listens (its database exists by then) and the demo's first
/// migrations are done: pg_dump holds ACCESS SHARE on every table it dumps, and on a busy machine their ALTER TABLE
/// waited behind it past its 5 s lock_timeout (CI, 2026-12-07), leaving the demo with a failed migration.
/// </summary>
public sealed class SampleShopBackupGate(SampleShopSupervisor supervisor, DemoMigrations migrations, TimeProvider time) : IBackupTargetGate
{
    public async Task WaitAsync(string database, CancellationToken cancellationToken)
    {
        if (!string.Equals(database, SampleShopDatabase.Name, StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            await supervisor.Listening.WaitAsync(SampleShopStartGate.StartTimeout, time, cancellationToken);
            await migrations.Settled.WaitAsync(SampleShopStartGate.StartTimeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Back up anyway: a failure is now real and shows as such.
        }
    }
}
