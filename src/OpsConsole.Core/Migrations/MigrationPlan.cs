using System.Security.Cryptography;
using System.Text;

namespace OpsConsole.Core.Migrations;

/// <summary>
/// What an apply would run, computed from the status: the pending (and previously failed) migrations up to a target
/// version, and what blocks it. Like Flyway's validate-on-migrate: a changed or missing applied migration, a bad file,
/// an out-of-order file (unless allowed) or a statement PostgreSQL would refuse stop the apply before anything runs.
/// </summary>
public sealed record MigrationPlan(IReadOnlyList<MigrationFile> Steps, IReadOnlyList<string> Blockers, string Fingerprint)
{
    public bool CanApply => Steps.Count > 0 && Blockers.Count == 0;

    /// <summary>The fingerprint's first 12 characters, for people.</summary>
    public string ShortFingerprint => Fingerprint.Length > 12 ? Fingerprint[..12] : Fingerprint;

    public static MigrationPlan Make(MigrationFolder folder, IReadOnlyList<MigrationStatusEntry> status, bool outOfOrder, MigrationVersion? upTo = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(status);
        var blockers = new List<string>();
        blockers.AddRange(folder.Problems.Select(p => $"{p.FileName}: {p.Problem}"));
        foreach (var entry in status)
        {
            switch (entry.State)
            {
                case MigrationState.Changed or MigrationState.Missing:
                    blockers.Add(entry.Explanation);
                    break;
                case MigrationState.OutOfOrder when !outOfOrder:
                    blockers.Add($"{entry.Explanation}; apply it only on purpose, with Migrations:OutOfOrder set to true for this database");
                    break;
            }
        }

        var steps = status
            .Where(e => e.File is not null && e.State is MigrationState.Pending or MigrationState.Failed || (outOfOrder && e.State == MigrationState.OutOfOrder))
            .Where(e => upTo is null || e.Version.CompareTo(upTo) <= 0)
            .Select(e => e.File!)
            .OrderBy(f => f.Version)
            .ToList();
        foreach (var file in steps)
        {
            var transactional = !MigrationSql.IsNonTransactional(file.Sql);
            foreach (var flag in MigrationSql.Flag(file.Sql, transactional).Where(f => f.Severity == LockSeverity.Refused))
            {
                blockers.Add($"{file.FileName} line {flag.Line}: {flag.Lock}: {flag.Why}");
            }
        }

        return new MigrationPlan(steps, blockers, FingerprintOf(steps));
    }

    /// <summary>SHA-256 over the steps' versions and checksums: the same fingerprint means exactly the same SQL in the same order.</summary>
    public static string FingerprintOf(IEnumerable<MigrationFile> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var text = string.Concat(steps.Select(s => $"{(s.IsUndo ? "U" : "V")}{s.Version}:{s.Checksum}\n"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
