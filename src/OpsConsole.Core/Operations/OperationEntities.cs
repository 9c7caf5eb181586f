using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Operations;

/// <summary>
/// One long action as stored: what (kind, target, parameters), who asked and who approved, where it is (state,
/// progress, step), when, and how it ended. Log lines are in <see cref="StoredOperationLogLine"/>.
/// </summary>
public sealed class StoredOperation
{
    /// <summary>A version 7 GUID: ordered by creation, so "newest first" needs no second column.</summary>
    public Guid Id { get; set; }

    /// <summary>The registered <see cref="IOperationKind.Name"/>, e.g. "backup".</summary>
    public string Kind { get; set; } = "";

    /// <summary>What the operation locks, e.g. "database:sampleshop"; one active operation per target.</summary>
    public string Target { get; set; } = "";

    /// <summary>What a person reads in lists: "Back up sampleshop (manual)".</summary>
    public string Title { get; set; } = "";

    /// <summary>Kind-specific settings as a JSON object of strings (e.g. the backup's purpose).</summary>
    public string Parameters { get; set; } = "{}";

    public OperationState State { get; set; }

    public string RequestedBy { get; set; } = "";

    /// <summary>The requester's user id (approval compares ids, not names); null for the console's own scheduler.</summary>
    public string? RequestedById { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public bool NeedsApproval { get; set; }

    /// <summary>When an unapproved request fails as expired.</summary>
    public DateTimeOffset? ApprovalExpiresAt { get; set; }

    public string? ApprovedBy { get; set; }

    public string? ApprovedById { get; set; }

    public DateTimeOffset? ApprovedAt { get; set; }

    /// <summary>Someone asked a running, cancellable operation to stop; its runner sees this and stops.</summary>
    public bool CancelRequested { get; set; }

    public string? CancelledBy { get; set; }

    /// <summary>0..1, or null while unknown.</summary>
    public double? Progress { get; set; }

    public string? Step { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>Which console instance runs it (diagnostics: the lock is what proves it is alive).</summary>
    public string? RunBy { get; set; }

    public string? Error { get; set; }

    /// <summary>What it produced, in words (e.g. "backup 12.4 MB, sha256 3f2a…").</summary>
    public string? Result { get; set; }

    public int LogLines { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One line of an operation's log, numbered from 1 per operation.</summary>
public sealed class StoredOperationLogLine
{
    public Guid OperationId { get; set; }

    public int Seq { get; set; }

    public DateTimeOffset At { get; set; }

    public OperationLogLevel Level { get; set; }

    public string Text { get; set; } = "";
}

public static class OperationLimits
{
    public const int TitleLength = 300;
    public const int LineLength = 4000;
    public const int ErrorLength = 4000;

    /// <summary>A runaway step cannot fill the database with its log: past this many lines, one marker line and no more.</summary>
    public const int MaxLogLines = 20_000;
}

/// <summary>EF mapping of the operation tables (snake_case: the runner's claims and sweeps are raw SQL).</summary>
internal sealed class OperationModel : IConsoleModel
{
    /// <summary>The states in which an operation holds its target (the partial unique index below).</summary>
    internal const string ActiveStates = "'Queued', 'AwaitingApproval', 'Running'";

    public void Configure(ModelBuilder builder)
    {
        builder.Entity<StoredOperation>(op =>
        {
            op.ToTable("operations");
            op.HasKey(o => o.Id);
            op.Property(o => o.Id).ValueGeneratedNever();
            op.Property(o => o.Kind).HasMaxLength(64);
            op.Property(o => o.Target).HasMaxLength(256);
            op.Property(o => o.Title).HasMaxLength(OperationLimits.TitleLength);
            op.Property(o => o.Parameters).HasColumnType("jsonb");
            op.Property(o => o.State).HasConversion<string>().HasMaxLength(24);
            op.Property(o => o.RequestedBy).HasMaxLength(256);
            op.Property(o => o.RequestedById).HasMaxLength(450);
            op.Property(o => o.ApprovedBy).HasMaxLength(256);
            op.Property(o => o.ApprovedById).HasMaxLength(450);
            op.Property(o => o.CancelledBy).HasMaxLength(256);
            op.Property(o => o.Step).HasMaxLength(OperationLimits.TitleLength);
            op.Property(o => o.RunBy).HasMaxLength(128);
            op.Property(o => o.Error).HasMaxLength(OperationLimits.ErrorLength);
            op.Property(o => o.Result).HasMaxLength(OperationLimits.ErrorLength);
            SnakeCaseColumns.Apply(op);
            // The database is the arbiter between instances: one queued, waiting or running operation per target.
            op.HasIndex(o => o.Target).IsUnique().HasFilter($"state IN ({ActiveStates})").HasDatabaseName("ix_operations_active_target");
            op.HasIndex(o => new { o.State, o.Id }).HasDatabaseName("ix_operations_state");
            op.HasIndex(o => new { o.Target, o.Id }).HasDatabaseName("ix_operations_target");
        });
        builder.Entity<StoredOperationLogLine>(line =>
        {
            line.ToTable("operation_log");
            line.HasKey(l => new { l.OperationId, l.Seq });
            line.Property(l => l.Level).HasConversion<string>().HasMaxLength(16);
            line.Property(l => l.Text).HasMaxLength(OperationLimits.LineLength);
            SnakeCaseColumns.Apply(line);
            line.HasOne<StoredOperation>().WithMany().HasForeignKey(l => l.OperationId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}

/// <summary>The operation tables as DbSets of the console's context.</summary>
public static class OperationDbSets
{
    extension(ConsoleDbContext db)
    {
        public DbSet<StoredOperation> Operations => db.Set<StoredOperation>();

        public DbSet<StoredOperationLogLine> OperationLog => db.Set<StoredOperationLogLine>();
    }
}
