using Microsoft.EntityFrameworkCore;

namespace OpsConsole.Core.Data;

public static class ConsoleDatabase
{
    /// <summary>Stable key for the migration advisory lock (any bigint; distinct from EF's own).</summary>
    public const long MigrationLockKey = 0x4F70_7343_6F6E_0001; // "OpsCon" + 1

    public static void Configure(DbContextOptionsBuilder options, string connectionString, string name = NamedDataSources.Console)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.UseNpgsql(NamedDataSources.Get(connectionString, name), npgsql =>
            npgsql.MigrationsHistoryTable("__EFMigrationsHistory", ConsoleDbContext.Schema));
    }
}
