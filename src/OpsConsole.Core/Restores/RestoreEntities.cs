using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Restores;

/// <summary>Restore into the database itself (swap in, keep the old one) or into a new database next to it.</summary>
public static class RestoreModes
{
    public const string Replace = "replace";
    public const string NewDatabase = "new";

    /// <summary>Not planned: the undo of a restore, which set the restored database aside in its turn.</summary>
    public const string SwapBack = "swap-back";

    public static IReadOnlyList<string> All { get; } = [Replace, NewDatabase];
}

/// <summary>
/// What a person planned: the backup, the target and the facts the preflight saw. A restore request names its plan, and
/// the restore refuses to run when the backup or the target is no longer what the plan (and its approver) saw.
/// </summary>
public sealed class StoredRestorePlan
{
    public Guid Id { get; set; }

    public string Database { get; set; } = "";

    public string Mode { get; set; } = RestoreModes.Replace;

    public Guid BackupId { get; set; }

    /// <summary>The backup's SHA-256 when planned: a different file under the same id is a different plan.</summary>
    public string BackupSha256 { get; set; } = "";

    /// <summary>Whether the person asked for "the latest verified backup" (a newer one since then changes the plan).</summary>
    public bool FromLatest { get; set; }

    /// <summary>For <see cref="RestoreModes.NewDatabase"/>: the database to create.</summary>
    public string? NewDatabase { get; set; }

    /// <summary>The target database's OID when planned: a database dropped, recreated or swapped since has another.</summary>
    public long? TargetOid { get; set; }

    public string CreatedBy { get; set; } = "";

    public string? CreatedById { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The plan as the page showed it (JSON of <see cref="RestorePlanView"/>), for the approver and the audit.</summary>
    public string Details { get; set; } = "{}";
}

/// <summary>One restore (its id is its operation's): where it got to, the databases it made and set aside, and the way back.</summary>
public sealed class StoredRestore
{
    public Guid Id { get; set; }

    public Guid PlanId { get; set; }

    public string Database { get; set; } = "";

    public string Mode { get; set; } = RestoreModes.Replace;

    public Guid BackupId { get; set; }

    public string Phase { get; set; } = RestorePhases.Requested;

    /// <summary>The database the backup was restored into (<c>&lt;name&gt;__restore_…</c>, or the new database's name).</summary>
    public string? RestoredInto { get; set; }

    /// <summary>The name the replaced database got at the swap (<c>&lt;name&gt;__before_…</c>).</summary>
    public string? SetAside { get; set; }

    public Guid? PreRestoreBackupId { get; set; }

    public string RequestedBy { get; set; } = "";

    public string? ApprovedBy { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? SwappedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public double? RestoreSeconds { get; set; }

    /// <summary>How long the database refused connections during the swap.</summary>
    public double? SwapMilliseconds { get; set; }

    /// <summary>Until when the replaced database is kept for a swap back.</summary>
    public DateTimeOffset? KeepUntil { get; set; }

    /// <summary>Set while the swap has the live database refusing connections; the clean-up lets it accept them again.</summary>
    public DateTimeOffset? ConnectionsCutAt { get; set; }

    public DateTimeOffset? SwappedBackAt { get; set; }

    public string? SwappedBackBy { get; set; }

    public DateTimeOffset? SetAsideDroppedAt { get; set; }

    public string? Error { get; set; }
}

/// <summary>Where a restore is; the clean-up after a console died reads it to know what to undo.</summary>
public static class RestorePhases
{
    public const string Requested = "requested";
    public const string Checking = "checking";
    public const string SafetyBackup = "safety-backup";
    public const string Restoring = "restoring";
    public const string Verifying = "verifying";
    public const string Swapping = "swapping";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string SwappedBack = "swapped-back";
}

internal sealed class RestoreModel : IConsoleModel
{
    public void Configure(ModelBuilder builder)
    {
        builder.Entity<StoredRestorePlan>(plan =>
        {
            plan.ToTable("restore_plans");
            plan.HasKey(p => p.Id);
            plan.Property(p => p.Id).ValueGeneratedNever();
            plan.Property(p => p.Database).HasMaxLength(64);
            plan.Property(p => p.Mode).HasMaxLength(16);
            plan.Property(p => p.BackupSha256).HasMaxLength(64);
            plan.Property(p => p.NewDatabase).HasMaxLength(64);
            plan.Property(p => p.CreatedBy).HasMaxLength(256);
            plan.Property(p => p.CreatedById).HasMaxLength(256);
            plan.Property(p => p.Details).HasColumnType("jsonb");
            SnakeCaseColumns.Apply(plan);
            plan.HasIndex(p => new { p.Database, p.CreatedAt }).HasDatabaseName("ix_restore_plans_database");
        });
        builder.Entity<StoredRestore>(restore =>
        {
            restore.ToTable("restores");
            restore.HasKey(r => r.Id);
            restore.Property(r => r.Id).ValueGeneratedNever();
            restore.Property(r => r.Database).HasMaxLength(64);
            restore.Property(r => r.Mode).HasMaxLength(16);
            restore.Property(r => r.Phase).HasMaxLength(32);
            restore.Property(r => r.RestoredInto).HasMaxLength(64);
            restore.Property(r => r.SetAside).HasMaxLength(64);
            restore.Property(r => r.RequestedBy).HasMaxLength(256);
            restore.Property(r => r.ApprovedBy).HasMaxLength(256);
            restore.Property(r => r.SwappedBackBy).HasMaxLength(256);
            restore.Property(r => r.Error).HasMaxLength(4000);
            SnakeCaseColumns.Apply(restore);
            restore.HasIndex(r => new { r.Database, r.RequestedAt }).HasDatabaseName("ix_restores_database");
            // The clean-up's question: which set-aside databases are past their keep time and still there.
            restore.HasIndex(r => r.KeepUntil).HasFilter("set_aside IS NOT NULL AND set_aside_dropped_at IS NULL").HasDatabaseName("ix_restores_kept");
        });
    }
}

/// <summary>The restore tables as DbSets of the console's context.</summary>
public static class RestoreDbSets
{
    extension(ConsoleDbContext db)
    {
        public DbSet<StoredRestorePlan> RestorePlans => db.Set<StoredRestorePlan>();

        public DbSet<StoredRestore> Restores => db.Set<StoredRestore>();
    }
}
