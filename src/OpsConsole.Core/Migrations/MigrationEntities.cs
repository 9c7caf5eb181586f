using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Migrations;

/// <summary>What a migration run does.</summary>
public static class MigrationRunKinds
{
    public const string Rehearsal = "rehearsal";
    public const string Apply = "apply";
    public const string Undo = "undo";
}

/// <summary>
/// One rehearsal, apply or undo of a database's migrations (its id is its operation's): the files it was asked to run
/// with their checksums (what the approver saw), and what happened to each. An apply names the rehearsal of the same
/// files, if there was one, so the approver sees it.
/// </summary>
public sealed class StoredMigrationRun
{
    public Guid Id { get; set; }

    public string Database { get; set; } = "";

    public string Kind { get; set; } = MigrationRunKinds.Apply;

    /// <summary>SHA-256 over the planned files' versions and checksums (<see cref="MigrationPlan.Fingerprint"/>).</summary>
    public string Fingerprint { get; set; } = "";

    /// <summary>The planned files as JSON: version, file name, checksum, non-transactional.</summary>
    public string Plan { get; set; } = "[]";

    /// <summary>"Apply up to" this version (empty: everything pending).</summary>
    public string? UpTo { get; set; }

    public Guid? RehearsalId { get; set; }

    /// <summary>The backup a rehearsal restored, or the pre-migration backup an apply or undo took.</summary>
    public Guid? BackupId { get; set; }

    public string? BackupFile { get; set; }

    public string RequestedBy { get; set; } = "";

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>Null while it runs (or when the console died during it: the operation then says failed).</summary>
    public bool? Succeeded { get; set; }

    public string? Error { get; set; }

    public string? FailedFile { get; set; }

    public int? FailedLine { get; set; }

    /// <summary>Each file's outcome as JSON (<see cref="Engine.MigrationOutcome"/>).</summary>
    public string Outcomes { get; set; } = "[]";

    /// <summary>What the person should know beyond success (a rehearsal on a backup older than the live schema).</summary>
    public string? Warning { get; set; }
}

internal sealed class MigrationModel : IConsoleModel
{
    public void Configure(ModelBuilder builder)
    {
        builder.Entity<StoredMigrationRun>(run =>
        {
            run.ToTable("migration_runs");
            run.HasKey(r => r.Id);
            run.Property(r => r.Id).ValueGeneratedNever();
            run.Property(r => r.Database).HasMaxLength(64);
            run.Property(r => r.Kind).HasMaxLength(16);
            run.Property(r => r.Fingerprint).HasMaxLength(64);
            run.Property(r => r.Plan).HasColumnType("jsonb");
            run.Property(r => r.UpTo).HasMaxLength(64);
            run.Property(r => r.BackupFile).HasMaxLength(256);
            run.Property(r => r.RequestedBy).HasMaxLength(256);
            run.Property(r => r.Error).HasMaxLength(4000);
            run.Property(r => r.FailedFile).HasMaxLength(256);
            run.Property(r => r.Outcomes).HasColumnType("jsonb");
            run.Property(r => r.Warning).HasMaxLength(1000);
            SnakeCaseColumns.Apply(run);
            run.HasIndex(r => new { r.Database, r.RequestedAt }).HasDatabaseName("ix_migration_runs_database");
            // The approver's question: the newest rehearsal of exactly these files.
            run.HasIndex(r => new { r.Database, r.Fingerprint, r.Kind }).HasDatabaseName("ix_migration_runs_fingerprint");
        });
    }
}

/// <summary>The migration runs as a DbSet of the console's context.</summary>
public static class MigrationDbSets
{
    extension(ConsoleDbContext db)
    {
        public DbSet<StoredMigrationRun> MigrationRuns => db.Set<StoredMigrationRun>();
    }
}
