using System.Globalization;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Engine;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Backups;

namespace OpsConsole.Web.Features.Migrations;

/// <summary>How the migration pages and the operation page's panel say things (one place, so every view agrees).</summary>
public static class MigrationText
{
    /// <summary>The order the heading's counts come in: what is fine, then what needs doing, then what is wrong.</summary>
    public static IReadOnlyList<MigrationState> StateOrder { get; } =
        [MigrationState.Applied, MigrationState.Pending, MigrationState.Failed, MigrationState.Changed, MigrationState.Missing, MigrationState.OutOfOrder];

    private static CultureInfo Culture => CultureInfo.InvariantCulture;

    /// <summary>The migrations page of a database.</summary>
    public static string PageHref(string database) => $"{DatabaseText.DatabaseHref(database)}/migrations";

    /// <summary>The configuration key of a database's migrations folder: "ManagedDatabases:shop:Migrations:Path".</summary>
    public static string FolderKey(string database) => $"{ManagedDatabaseOptions.Section}:{database}:Migrations:Path";

    /// <summary>"pending", "applied", "failed", "changed", "missing", "out of order".</summary>
    public static string Word(MigrationState state) => state == MigrationState.OutOfOrder ? "out of order" : state.ToString().ToLowerInvariant();

    /// <summary>A state as a stable token for styles and tests (the API's word): "out-of-order".</summary>
    public static string Token(MigrationState state) => state == MigrationState.OutOfOrder ? "out-of-order" : state.ToString().ToLowerInvariant();

    /// <summary>The heading's counts, in <see cref="StateOrder"/>: applied and pending always (zero says something), the others when there are any.</summary>
    public static IReadOnlyList<(MigrationState State, int Count)> Counts(MigrationsView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return [.. StateOrder.Select(s => (s, view.Count(s))).Where(c => c.Item2 > 0 || c.s is MigrationState.Applied or MigrationState.Pending)];
    }

    /// <summary>"2 applied", "1 out of order".</summary>
    public static string CountText(MigrationState state, int count) => string.Create(Culture, $"{count} {Word(state)}");

    /// <summary>"1 migration", "3 migrations".</summary>
    public static string Migrations(int count) => count == 1 ? "1 migration" : string.Create(Culture, $"{count} migrations");

    /// <summary>The first 12 hex digits of a checksum or fingerprint: enough to compare on screen.</summary>
    public static string Short(string? sha256) => sha256 is null ? "—" : sha256.Length <= 12 ? sha256 : sha256[..12];

    /// <summary>"5 ms", "1.4 s", "4 min 05 s"; "—" when unknown. Most migrations take milliseconds, where "0.0 s" would say nothing.</summary>
    public static string Seconds(double? seconds) => seconds switch
    {
        null or double.NaN or < 0 => "—",
        < 1 => string.Create(Culture, $"{Math.Round(seconds.Value * 1000, MidpointRounding.AwayFromZero):0} ms"),
        _ => DatabaseText.Seconds(seconds.Value),
    };

    /// <summary>"info", "warning", "refused": a lock flag's severity as a word and a token.</summary>
    public static string Severity(LockSeverity severity) => severity.ToString().ToLowerInvariant();

    /// <summary>The severity to mark a line with when several statements on it are flagged: the worst.</summary>
    public static LockSeverity Worst(IEnumerable<MigrationFlagView> flags) => flags.Select(f => f.Severity).DefaultIfEmpty(LockSeverity.Info).Max();

    /// <summary>"1 flag", "3 flags", "" for none; "(1 refused)" appended when PostgreSQL would refuse a statement.</summary>
    public static string Flags(IReadOnlyList<MigrationFlagView> flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        if (flags.Count == 0)
        {
            return "";
        }

        var refused = flags.Count(f => f.Severity == LockSeverity.Refused);
        var text = flags.Count == 1 ? "1 flag" : string.Create(Culture, $"{flags.Count} flags");
        return refused == 0 ? text : string.Create(Culture, $"{text} ({refused} refused)");
    }

    /// <summary>A flag in one line: "line 4 · warning · ACCESS EXCLUSIVE: rewrites the table".</summary>
    public static string Flag(MigrationFlagView flag)
    {
        ArgumentNullException.ThrowIfNull(flag);
        return string.Create(Culture, $"line {flag.Line} · {Severity(flag.Severity)} · {flag.Lock}: {flag.Why}");
    }

    /// <summary>The locks a file took, strongest kept per relation: "AccessExclusiveLock on shop.orders, RowExclusiveLock on shop.audit"; "none".</summary>
    public static string Locks(IReadOnlyList<LockTaken> locks)
    {
        ArgumentNullException.ThrowIfNull(locks);
        return locks.Count == 0 ? "none" : string.Join(", ", locks.Select(l => $"{l.Mode} on {l.Relation}"));
    }

    /// <summary>"rehearsal", "apply", "undo".</summary>
    public static string Kind(string runKind) => runKind switch
    {
        MigrationRunKinds.Rehearsal => "rehearsal",
        MigrationRunKinds.Undo => "undo",
        _ => "apply",
    };

    /// <summary>Where a run failed: "V4__index.sql, line 5"; null when it did not fail at a file.</summary>
    public static string? FailedAt(MigrationRunView run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.FailedFile is not { } file ? null
            : run.FailedLine is { } line ? string.Create(Culture, $"{file}, line {line}")
            : file;
    }

    /// <summary>A failed file's result: "failed at line 5: lock timeout"; the line left out when the error already says where.</summary>
    public static string FileFailure(MigrationOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var error = outcome.Error ?? "no reason was recorded";
        return outcome.FailedLine is { } line && !error.Contains(outcome.FileName, StringComparison.Ordinal)
            ? string.Create(Culture, $"failed at line {line}: {error}")
            : $"failed: {error}";
    }

    /// <summary>The line <paramref name="file"/> failed at in <paramref name="run"/>, if that run ran this very file (same checksum) and it failed.</summary>
    public static int? FailedLine(MigrationRunView? run, PlannedMigration file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return run?.Outcomes.LastOrDefault(o => o.FileName == file.FileName && string.Equals(o.Checksum, file.Checksum, StringComparison.OrdinalIgnoreCase))
            is { Succeeded: false } failed ? failed.FailedLine : null;
    }

    /// <summary>Whether a run ended badly (its own verdict, or its operation failing before any file ran).</summary>
    public static bool Failed(MigrationRunView run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Succeeded == false || run.State is OperationState.Failed;
    }

    /// <summary>
    /// How a run ended, in one sentence: "succeeded: 2 migrations in 1.3 s", "failed at V4__index.sql, line 5: …",
    /// "awaiting approval", "running".
    /// </summary>
    public static string Outcome(MigrationRunView run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (Failed(run))
        {
            // The runner's error usually names the file and line itself; then they are not said twice.
            var where = FailedAt(run) is { } at && !(run.Error ?? "").Contains(run.FailedFile!, StringComparison.Ordinal) ? $" at {at}" : "";
            return $"failed{where}: {run.Error ?? "no reason was recorded"}";
        }

        if (run.Succeeded == true || run.State == OperationState.Succeeded)
        {
            var seconds = run.Outcomes.Sum(o => o.Seconds);
            var files = run.Outcomes.Count > 0 ? run.Outcomes.Count : run.Plan.Count;
            return $"succeeded: {Migrations(files)} in {Seconds(seconds)}";
        }

        return run.State switch
        {
            OperationState.Cancelled => "cancelled",
            OperationState.AwaitingApproval => "awaiting approval",
            OperationState.Running => "running",
            _ => "queued",
        };
    }

    /// <summary>
    /// The blockers to list. The service puts "the history cannot be read: …" first when the database is unreachable; the
    /// page says that in its own alert, so it is left out here rather than said twice.
    /// </summary>
    public static IReadOnlyList<string> Blockers(MigrationsView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.Unreachable is { } why
            ? [.. view.Blockers.Where(b => !string.Equals(b, $"the history cannot be read: {why}", StringComparison.Ordinal))]
            : view.Blockers;
    }

    /// <summary>Whether the apply button works: something pending, nothing blocking, the history readable, nobody holding the lock.</summary>
    public static bool CanApply(MigrationsView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.CanApply && view.LockHolder is null;
    }

    /// <summary>Whether a rehearsal can be asked for: as for an apply (a blocked plan would be refused by the service, and a copy has the same drift).</summary>
    public static bool CanRehearse(MigrationsView view) => CanApply(view);

    /// <summary>"Apply 2 migrations…": the button, which opens the confirmation.</summary>
    public static string ApplyButton(int count) => $"Apply {Migrations(count)}…";

    /// <summary>What the apply's confirmation says will happen, approval first: that is what the person must know before asking.</summary>
    public static string ApplyMessage(MigrationsView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var approval = view.NeedsApproval
            ? $"{view.Database} needs a second person's approval: nothing runs until someone else (Admin or Sre) approves it on the operation's page, which opens next."
            : "It starts at once; its operation's page opens next with the live log.";
        var rehearsal = view.Rehearsal switch
        {
            null => " These files have not been rehearsed on a copy.",
            var r when Failed(r) => " Their latest rehearsal failed.",
            var r when r.Succeeded == true => " Their latest rehearsal succeeded.",
            _ => "",
        };
        return $"{approval} A pre-migration backup of {view.Database} is taken first, then each file runs in version order, one transaction per file (unless it is marked non-transactional), under the migration lock.{rehearsal}";
    }

    /// <summary>What undo's confirmation says will happen.</summary>
    public static string UndoMessage(MigrationsView view, UndoCandidate undo)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(undo);
        var approval = view.NeedsApproval ? " It needs a second person's approval before it runs." : "";
        return $"This runs {undo.UndoFileName} against {view.Database} to take back version {undo.Version} ({undo.FileName}), after a pre-migration backup.{approval}";
    }

    /// <summary>A history row's type in words: "migration", "undo".</summary>
    public static string HistoryType(string type) => type == MigrationHistory.UndoType ? "undo" : "migration";

    /// <summary>"12 ms", "1.3 s".</summary>
    public static string Milliseconds(int milliseconds) => Seconds(milliseconds / 1000.0);

    /// <summary>The pending files in plan order, each with its entry (SQL, flags) where the status has one.</summary>
    public static IReadOnlyList<(PlannedMigration File, MigrationEntryView? Entry)> PendingFiles(MigrationsView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return [.. view.Pending.Select(p => (p, view.Migrations.FirstOrDefault(m => m.Version == p.Version && m.FileName == p.FileName)))];
    }

    /// <summary>
    /// The SQL a planned file ran (or will run), if the folder still holds that exact file: a migration's from its entry, an
    /// undo's from the entry it undoes; null when the file is gone or its checksum is not the planned one.
    /// </summary>
    public static (string Sql, IReadOnlyList<MigrationFlagView> Flags)? SqlOf(PlannedMigration planned, IReadOnlyList<MigrationEntryView> entries)
    {
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(entries);
        if (planned.IsUndo)
        {
            var undone = entries.FirstOrDefault(e => e.UndoFileName == planned.FileName && e.UndoSql is not null);
            return undone?.UndoSql is { } undo && string.Equals(MigrationFiles.Checksum(undo), planned.Checksum, StringComparison.OrdinalIgnoreCase)
                ? (undo, [])
                : null;
        }

        var entry = entries.FirstOrDefault(e => e.FileName == planned.FileName);
        return entry?.Sql is { } sql && string.Equals(entry.Checksum, planned.Checksum, StringComparison.OrdinalIgnoreCase) ? (sql, entry.Flags) : null;
    }
}
