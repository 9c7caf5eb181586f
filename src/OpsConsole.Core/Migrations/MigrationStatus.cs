namespace OpsConsole.Core.Migrations;

/// <summary>Where one migration stands against the target's history table.</summary>
public enum MigrationState
{
    /// <summary>A file not applied yet, newer than everything applied.</summary>
    Pending,

    /// <summary>Applied, and the file is the one that was applied.</summary>
    Applied,

    /// <summary>The last attempt failed (rolled back; recorded for the record, never claimed as applied).</summary>
    Failed,

    /// <summary>Applied, but its file is gone from the folder.</summary>
    Missing,

    /// <summary>Applied, but the file changed since (its checksum differs from the applied one).</summary>
    Changed,

    /// <summary>A file not applied yet, older than something already applied.</summary>
    OutOfOrder,
}

/// <summary>A row of the target's history table, as the status needs it.</summary>
public sealed record AppliedMigration(
    MigrationVersion Version, string Description, string Checksum, string AppliedBy, DateTimeOffset AppliedAt, double DurationSeconds, bool Success);

/// <summary>One migration's state, with its file and its history row where each exists.</summary>
public sealed record MigrationStatusEntry(MigrationVersion Version, string Description, MigrationState State, MigrationFile? File, AppliedMigration? Applied, bool HasUndo)
{
    /// <summary>Words for the page and the API: for a changed file, both checksums.</summary>
    public string Explanation => State switch
    {
        MigrationState.Changed => $"{File!.FileName} changed after it was applied: applied checksum {Applied!.Checksum}, file checksum {File.Checksum}",
        MigrationState.Missing => $"version {Version} was applied ({Applied!.AppliedAt:yyyy-MM-dd HH:mm} UTC by {Applied.AppliedBy}) but its file is not in the folder",
        MigrationState.OutOfOrder => $"{File!.FileName} is older than a migration already applied",
        MigrationState.Failed => $"the last attempt of {File?.FileName ?? "version " + Version} failed and was rolled back",
        MigrationState.Applied => $"applied {Applied!.AppliedAt:yyyy-MM-dd HH:mm} UTC by {Applied.AppliedBy}",
        _ => $"{File!.FileName} is not applied yet",
    };
}

/// <summary>
/// The state of every migration of a database: the folder's files against its history table, in version order (as
/// Flyway's <c>info</c> shows them). Pure: computing it for 1,000 files is a sort and a dictionary pass.
/// </summary>
public static class MigrationStatus
{
    public static IReadOnlyList<MigrationStatusEntry> Compute(MigrationFolder folder, IEnumerable<AppliedMigration> history)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(history);
        // The latest row per version wins (a failed attempt, then a successful one).
        var applied = history.GroupBy(h => h.Version).ToDictionary(g => g.Key, g => g.OrderBy(h => h.AppliedAt).Last());
        var newestApplied = applied.Values.Where(a => a.Success).Select(a => a.Version).DefaultIfEmpty().Max();
        var entries = new List<MigrationStatusEntry>();
        foreach (var file in folder.Migrations)
        {
            var hasUndo = folder.Undo.ContainsKey(file.Version);
            if (applied.TryGetValue(file.Version, out var row))
            {
                var state = !row.Success ? MigrationState.Failed
                    : string.Equals(row.Checksum, file.Checksum, StringComparison.OrdinalIgnoreCase) ? MigrationState.Applied
                    : MigrationState.Changed;
                entries.Add(new MigrationStatusEntry(file.Version, file.Description, state, file, row, hasUndo));
            }
            else
            {
                var state = newestApplied is not null && file.Version.CompareTo(newestApplied) < 0 ? MigrationState.OutOfOrder : MigrationState.Pending;
                entries.Add(new MigrationStatusEntry(file.Version, file.Description, state, file, null, hasUndo));
            }
        }

        var inFolder = folder.Migrations.Select(m => m.Version).ToHashSet();
        foreach (var row in applied.Values.Where(a => !inFolder.Contains(a.Version)))
        {
            entries.Add(new MigrationStatusEntry(row.Version, row.Description, row.Success ? MigrationState.Missing : MigrationState.Failed, null, row, false));
        }

        return [.. entries.OrderBy(e => e.Version)];
    }
}
