using OpsConsole.Core.Backups;

namespace OpsConsole.Core.Restores;

/// <summary>What to restore: a backup (null: the latest verified one), into the database itself or into a new one.</summary>
public sealed record RestorePlanRequest(Guid? BackupId = null, string Mode = RestoreModes.Replace, string? NewDatabase = null);

/// <summary>A session the swap will end, as <c>pg_stat_activity</c> shows it.</summary>
public sealed record RestoreConnection(int Pid, string? Application, string? User, string? ClientAddress, DateTimeOffset? Since, string? State);

/// <summary>Free space where a restore writes, against what it needs; <see cref="FreeBytes"/> null when it cannot be read from here.</summary>
public sealed record DiskCheck(string Where, string? Path, long? FreeBytes, long NeededBytes, string? Unknown)
{
    public bool Enough => FreeBytes is not { } free || free >= NeededBytes;
}

/// <summary>
/// A restore plan as the page and the API show it, before anything happens: the backup and what is known about it, the
/// target, disk, the connections the swap will cut, the estimate, the steps, and what blocks it.
/// </summary>
public sealed record RestorePlanView(
    Guid Id,
    string Database,
    string Mode,
    string? NewDatabase,
    BackupView Backup,
    bool FromLatest,
    DrillView? LastDrill,
    string? ServerVersion,
    long? TargetSizeBytes,
    string? TargetOwner,
    IReadOnlyList<DiskCheck> Disk,
    IReadOnlyList<RestoreConnection> Connections,
    TimeSpan? EstimatedDuration,
    string EstimateBasis,
    TimeSpan? EstimatedSafetyBackup,
    IReadOnlyList<string> Steps,
    IReadOnlyList<string> Problems,
    IReadOnlyList<string> Warnings,
    bool NeedsApproval,
    bool Protected,
    string Confirmation,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt)
{
    /// <summary>Whether nothing blocks the restore (problems must be fixed and the plan made again).</summary>
    public bool CanRun => Problems.Count == 0;
}

/// <summary>One restore in a database's history, with its way back while the replaced database is kept.</summary>
public sealed record RestoreView(
    Guid Id,
    string Database,
    string Mode,
    Guid BackupId,
    string? BackupFile,
    string Phase,
    Operations.OperationState State,
    string RequestedBy,
    string? ApprovedBy,
    DateTimeOffset RequestedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? SwappedAt,
    DateTimeOffset? EndedAt,
    double? RestoreSeconds,
    double? SwapMilliseconds,
    string? RestoredInto,
    string? SetAside,
    DateTimeOffset? KeepUntil,
    DateTimeOffset? SwappedBackAt,
    string? SwappedBackBy,
    DateTimeOffset? SetAsideDroppedAt,
    Guid? PreRestoreBackupId,
    string? Error)
{
    /// <summary>Whether the replaced database is still there to swap back to at <paramref name="now"/>.</summary>
    public bool CanSwapBackAt(DateTimeOffset now) =>
        Phase == RestorePhases.Done && Mode is RestoreModes.Replace or RestoreModes.SwapBack && SetAside is not null && SetAsideDroppedAt is null
        && SwappedBackAt is null && KeepUntil is { } until && until > now;
}

/// <summary>A plan that cannot be made or used, naming the field at fault (the API's 422).</summary>
public sealed class RestorePlanException(string field, string message) : ArgumentException(message, field);

/// <summary>
/// The typed confirmation: the operator types the name of the database the restore will overwrite or create, exactly
/// (case and spaces count, as GitHub's and Heroku's "type the name to confirm" do), so a tired person cannot confirm
/// by reflex and cannot confirm the wrong database.
/// </summary>
public static class RestoreConfirmation
{
    /// <summary>What to type for a plan: the target database's name, or the new database's.</summary>
    public static string Expected(string mode, string database, string? newDatabase) =>
        mode == RestoreModes.NewDatabase ? newDatabase ?? "" : database;

    public static bool Matches(string expected, string? typed) =>
        expected.Length > 0 && string.Equals(expected, typed, StringComparison.Ordinal);
}
