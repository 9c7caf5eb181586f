using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Backups;

/// <summary>Why a backup was taken: the one to roll back to is easy to find.</summary>
public static class BackupPurposes
{
    public const string Scheduled = "scheduled";
    public const string Manual = "manual";
    public const string PreRestore = "pre-restore";
    public const string PreMigration = "pre-migration";
    public const string PreErasure = "pre-erasure";

    public static IReadOnlyList<string> All { get; } = [Scheduled, Manual, PreRestore, PreMigration, PreErasure];

    /// <summary>Whether a backup of this purpose is the way back from a dangerous action (kept outside GFS for a while).</summary>
    public static bool IsSafety(string purpose) => purpose is PreRestore or PreMigration or PreErasure;
}

/// <summary>
/// One backup in the inventory: written, checksummed and checked with <c>pg_restore --list</c> before the row exists,
/// so no partial file is ever listed. Deleting (by hand or by retention) keeps the row with who and why.
/// </summary>
public sealed class StoredBackup
{
    public Guid Id { get; set; }

    /// <summary>The managed database's name (<c>ManagedDatabases:&lt;name&gt;</c>).</summary>
    public string Database { get; set; } = "";

    /// <summary>One of <see cref="BackupPurposes"/>.</summary>
    public string Purpose { get; set; } = "";

    public Guid? OperationId { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset CompletedAt { get; set; }

    /// <summary>The dump's file name, relative to the database's folder under the backup directory.</summary>
    public string FileName { get; set; } = "";

    public long SizeBytes { get; set; }

    public string Sha256 { get; set; } = "";

    public double DurationSeconds { get; set; }

    public string PgDumpVersion { get; set; } = "";

    public string ServerVersion { get; set; } = "";

    /// <summary>JSON object: "schema.table" → rows, counted in the dump's own snapshot.</summary>
    public string Manifest { get; set; } = "{}";

    public bool Verified { get; set; }

    public DateTimeOffset? VerifiedAt { get; set; }

    /// <summary>Why the last verification failed (null when it passed).</summary>
    public string? VerifyError { get; set; }

    public DateTimeOffset? DeletedAt { get; set; }

    public string? DeletedBy { get; set; }

    /// <summary>"retention: beyond keep-last 7 and the daily/weekly/monthly generations", or a person's reason.</summary>
    public string? DeleteReason { get; set; }
}

/// <summary>One restore drill: the newest backup restored into a scratch database, row counts compared, time measured.</summary>
public sealed class StoredDrill
{
    public Guid Id { get; set; }

    public string Database { get; set; } = "";

    public Guid BackupId { get; set; }

    public Guid? OperationId { get; set; }

    public DateTimeOffset At { get; set; }

    public bool Succeeded { get; set; }

    /// <summary>The measured restore time: the recovery time objective's evidence.</summary>
    public double RestoreSeconds { get; set; }

    public string? Error { get; set; }

    /// <summary>JSON array of {table, expected, actual} where the counts differ.</summary>
    public string Mismatches { get; set; } = "[]";
}

internal sealed class BackupModel : IConsoleModel
{
    public void Configure(ModelBuilder builder)
    {
        builder.Entity<StoredBackup>(backup =>
        {
            backup.ToTable("backups");
            backup.HasKey(b => b.Id);
            backup.Property(b => b.Id).ValueGeneratedNever();
            backup.Property(b => b.Database).HasMaxLength(64);
            backup.Property(b => b.Purpose).HasMaxLength(32);
            backup.Property(b => b.FileName).HasMaxLength(256);
            backup.Property(b => b.Sha256).HasMaxLength(64);
            backup.Property(b => b.PgDumpVersion).HasMaxLength(128);
            backup.Property(b => b.ServerVersion).HasMaxLength(128);
            backup.Property(b => b.Manifest).HasColumnType("jsonb");
            backup.Property(b => b.VerifyError).HasMaxLength(2000);
            backup.Property(b => b.DeletedBy).HasMaxLength(256);
            backup.Property(b => b.DeleteReason).HasMaxLength(500);
            SnakeCaseColumns.Apply(backup);
            // The inventory's page: one database's kept backups, newest first.
            backup.HasIndex(b => new { b.Database, b.CompletedAt }).HasFilter("deleted_at IS NULL").HasDatabaseName("ix_backups_kept");
            backup.HasIndex(b => b.OperationId).HasDatabaseName("ix_backups_operation");
        });
        builder.Entity<StoredDrill>(drill =>
        {
            drill.ToTable("backup_drills");
            drill.HasKey(d => d.Id);
            drill.Property(d => d.Id).ValueGeneratedNever();
            drill.Property(d => d.Database).HasMaxLength(64);
            drill.Property(d => d.Error).HasMaxLength(2000);
            drill.Property(d => d.Mismatches).HasColumnType("jsonb");
            SnakeCaseColumns.Apply(drill);
            drill.HasIndex(d => new { d.Database, d.At }).HasDatabaseName("ix_backup_drills_database");
        });
    }
}

/// <summary>The backup tables as DbSets of the console's context.</summary>
public static class BackupDbSets
{
    extension(ConsoleDbContext db)
    {
        public DbSet<StoredBackup> Backups => db.Set<StoredBackup>();

        public DbSet<StoredDrill> BackupDrills => db.Set<StoredDrill>();
    }
}
