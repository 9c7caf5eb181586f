using System.Globalization;
using OpsConsole.Core.Backups;

namespace OpsConsole.Web.Features.Wall;

/// <summary>One pill of the wall's backup strip: a database, its newest backup's age, its freshness and what is wrong in words.</summary>
public sealed record WallBackupPill(string Database, string Freshness, string Age, IReadOnlyList<string> Notes, string Title);

/// <summary>What the strip shows: the pills, and how many databases a full strip counts instead of showing (all fresh, or not).</summary>
public sealed record WallBackupStripView(IReadOnlyList<WallBackupPill> Pills, int More, bool MoreAllFresh);

/// <summary>
/// Turns the backup freshness entries into the strip's pills. Up to <see cref="MaxPills"/> databases each have a pill in
/// catalog order (a wall's places should not move); beyond that only the troubled ones do and one pill counts the rest,
/// so the strip keeps to one line and nothing is cut off unseen.
/// </summary>
public static class WallBackupPills
{
    public const int MaxPills = 10;

    public static WallBackupStripView For(IReadOnlyList<BackupFreshnessEntry> entries, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count <= MaxPills)
        {
            return new WallBackupStripView([.. entries.Select(e => Pill(e, now))], 0, true);
        }

        var troubled = entries.Where(Troubled).ToList();
        var shown = troubled.Take(MaxPills - 1).ToList();
        return new WallBackupStripView([.. shown.Select(e => Pill(e, now))], entries.Count - shown.Count, troubled.Count == shown.Count);
    }

    public static bool Troubled(BackupFreshnessEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Freshness != BackupFreshness.Fresh || e.LastRunFailed || e.LastDrillPassed == false;
    }

    public static string Token(BackupFreshness freshness) => freshness switch
    {
        BackupFreshness.Fresh => "fresh",
        BackupFreshness.Ageing => "ageing",
        _ => "too-old",
    };

    /// <summary>One unit, for large type: "40 s", "12 min", "3 h", "2 d".</summary>
    public static string Age(TimeSpan age) =>
        age < TimeSpan.FromMinutes(1) ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)age.TotalSeconds)} s")
        : age < TimeSpan.FromHours(1) ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalMinutes} min")
        : age < TimeSpan.FromDays(2) ? string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours} h")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalDays} d");

    private static WallBackupPill Pill(BackupFreshnessEntry e, DateTimeOffset now)
    {
        // Colour never alone: the freshness word when it is not fresh, and each failure.
        var notes = new List<string>();
        if (e.LastBackup is not null && e.Freshness != BackupFreshness.Fresh)
        {
            notes.Add(e.Freshness == BackupFreshness.Ageing ? "ageing" : "too old");
        }

        if (e.LastRunFailed)
        {
            notes.Add("backup failed");
        }

        if (e.LastDrillPassed == false)
        {
            notes.Add("drill failed");
        }

        var rpo = e.Rpo.TotalHours.ToString("0.#", CultureInfo.InvariantCulture);
        var title = e.LastBackup is { } at ? $"{e.Database}: newest backup {Age(now - at)} old, RPO {rpo} h" : $"{e.Database}: no backup, RPO {rpo} h";
        return new WallBackupPill(e.Database, Token(e.Freshness), e.LastBackup is { } last ? Age(now - last) : "no backup", notes, title);
    }
}
