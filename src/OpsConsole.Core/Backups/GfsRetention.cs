using System.Globalization;

namespace OpsConsole.Core.Backups;

/// <summary>
/// How many backups to keep: the newest <see cref="KeepLast"/>, plus the newest of each of the last
/// <see cref="Daily"/> days, <see cref="Weekly"/> ISO weeks and <see cref="Monthly"/> months that have a verified
/// backup (grandfather-father-son, counted the way restic's and borg's keep-daily/weekly/monthly count).
/// </summary>
public sealed record RetentionPolicy(int KeepLast, int Daily, int Weekly, int Monthly)
{
    public static RetentionPolicy Default { get; } = new(7, 7, 4, 6);

    /// <summary>Why the policy cannot be used, or null. A policy that keeps nothing would delete every backup.</summary>
    public string? Problem =>
        KeepLast < 0 || Daily < 0 || Weekly < 0 || Monthly < 0 ? "every count must be 0 or more"
        : KeepLast + Daily + Weekly + Monthly == 0 ? "it keeps nothing, so it would delete every backup (set KeepLast to 1 or more)"
        : null;
}

/// <summary>One backup as retention sees it: when it completed and whether its verification passed.</summary>
public sealed record RetentionCandidate(string Id, DateTimeOffset CompletedAt, bool Verified);

/// <summary>What retention keeps (each with why, as the inventory shows it) and what it expires.</summary>
public sealed record RetentionDecision(IReadOnlyDictionary<string, string> Keep, IReadOnlyList<RetentionCandidate> Expire);

public static class GfsRetention
{
    /// <summary>
    /// Splits <paramref name="backups"/> into kept and expired. Days, weeks and months are the database's schedule
    /// time zone's (a backup at 23:30 in Paris belongs to that Paris day). Only verified backups count for a
    /// generation: an unverified one never stands in for a day. The newest verified backup is always kept, whatever
    /// the policy, so expiry can never leave a database without a backup known to restore.
    /// </summary>
    public static RetentionDecision Select(IEnumerable<RetentionCandidate> backups, RetentionPolicy policy, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(backups);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(zone);
        if (policy.Problem is { } problem)
        {
            throw new ArgumentException($"The retention policy cannot be used: {problem}.", nameof(policy));
        }

        var newestFirst = backups.OrderByDescending(b => b.CompletedAt).ThenByDescending(b => b.Id, StringComparer.Ordinal).ToList();
        var keep = new Dictionary<string, string>(StringComparer.Ordinal);
        void Keep(RetentionCandidate b, string why)
        {
            keep[b.Id] = keep.TryGetValue(b.Id, out var already) ? $"{already}, {why}" : why;
        }

        foreach (var b in newestFirst.Take(policy.KeepLast))
        {
            Keep(b, "last");
        }

        var verified = newestFirst.Where(b => b.Verified).ToList();
        Generation(verified, policy.Daily, "daily", b => Local(b, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Keep);
        Generation(verified, policy.Weekly, "weekly", b => IsoWeek(Local(b, zone)), Keep);
        Generation(verified, policy.Monthly, "monthly", b => Local(b, zone).ToString("yyyy-MM", CultureInfo.InvariantCulture), Keep);
        if (verified.Count > 0)
        {
            Keep(verified[0], "newest verified");
        }

        return new RetentionDecision(keep, [.. newestFirst.Where(b => !keep.ContainsKey(b.Id))]);
    }

    /// <summary>The newest backup of each of the newest <paramref name="count"/> periods that have one.</summary>
    private static void Generation(List<RetentionCandidate> newestFirst, int count, string name, Func<RetentionCandidate, string> period, Action<RetentionCandidate, string> keep)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var b in newestFirst)
        {
            if (seen.Count == count)
            {
                return;
            }

            if (seen.Add(period(b)))
            {
                keep(b, name);
            }
        }
    }

    private static DateTime Local(RetentionCandidate b, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(b.CompletedAt, zone).DateTime;

    private static string IsoWeek(DateTime day) => string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(day)}-W{ISOWeek.GetWeekOfYear(day):00}");
}
