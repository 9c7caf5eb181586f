using OpsConsole.Core.Migrations.Engine;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Migrations;

/// <summary>A statement of a migration flagged for its locks (or refused), by line.</summary>
public sealed record MigrationFlagView(int Line, LockSeverity Severity, string Lock, string Why);

/// <summary>One migration as the page and the API show it: its state, its file and SQL, its flags, and its history row.</summary>
public sealed record MigrationEntryView(
    string Version,
    string Description,
    MigrationState State,
    string Explanation,
    string? FileName,
    string? Checksum,
    string? AppliedChecksum,
    string? AppliedBy,
    DateTimeOffset? AppliedAt,
    double? DurationSeconds,
    bool NonTransactional,
    int Statements,
    IReadOnlyList<MigrationFlagView> Flags,
    string? Sql,
    string? UndoFileName,
    string? UndoSql);

/// <summary>A file a run was asked to run, as planned (and approved).</summary>
public sealed record PlannedMigration(string Version, string FileName, string Checksum, bool NonTransactional, bool IsUndo = false);

/// <summary>A rehearsal, apply or undo, with its operation's state and each file's outcome.</summary>
public sealed record MigrationRunView(
    Guid Id,
    string Database,
    string Kind,
    OperationState State,
    string Fingerprint,
    IReadOnlyList<PlannedMigration> Plan,
    string? UpTo,
    Guid? RehearsalId,
    Guid? BackupId,
    string? BackupFile,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    DateTimeOffset? EndedAt,
    bool? Succeeded,
    string? Error,
    string? FailedFile,
    int? FailedLine,
    IReadOnlyList<MigrationOutcome> Outcomes,
    string? Warning);

/// <summary>The newest applied (or failed) migration that has an undo script: what "Undo" would run.</summary>
public sealed record UndoCandidate(string Version, string FileName, string UndoFileName, MigrationState State);

/// <summary>Everything the migrations page of a database shows.</summary>
public sealed record MigrationsView(
    string Database,
    bool Configured,
    string? Folder,
    string? Unreachable,
    IReadOnlyList<MigrationEntryView> Migrations,
    IReadOnlyList<string> Blockers,
    IReadOnlyList<PlannedMigration> Pending,
    string Fingerprint,
    MigrationLockHolder? LockHolder,
    MigrationRunView? Rehearsal,
    MigrationRunView? LastRun,
    UndoCandidate? Undo,
    bool NeedsApproval,
    IReadOnlyList<HistoryRow> History)
{
    public bool CanApply => Unreachable is null && Pending.Count > 0 && Blockers.Count == 0;

    public int Count(MigrationState state) => Migrations.Count(m => m.State == state);
}

/// <summary>A request that cannot be made as asked; names the field (HTTP 422).</summary>
public sealed class MigrationRequestException(string field, string message) : ArgumentException(message, field);
