using Cronos;
using OpsConsole.Core.Alerts.Rules;

namespace OpsConsole.Core.Backups;

/// <summary>
/// One database the console backs up (<c>ManagedDatabases:&lt;name&gt;</c>): where it is, when to back it up, how long
/// to keep backups, how fresh the newest must be, and how careful dangerous actions on it must be.
/// </summary>
public sealed class ManagedDatabaseOptions
{
    public const string Section = "ManagedDatabases";

    /// <summary>A connection string, or empty with <see cref="ConnectionStringName"/>.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The name of a <c>ConnectionStrings:&lt;name&gt;</c> entry to use instead of repeating a secret here.</summary>
    public string ConnectionStringName { get; set; } = "";

    /// <summary>When to back up: a cron expression (5 fields, or 6 with seconds), in <see cref="TimeZone"/>.</summary>
    public string Schedule { get; set; } = "0 3 * * *";

    /// <summary>When to restore the newest backup into a scratch database to prove it restores (empty: never).</summary>
    public string DrillSchedule { get; set; } = "";

    /// <summary>An IANA time zone (Europe/Paris); schedules and retention's days, weeks and months are this zone's.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>The recovery point objective as a Prometheus duration (26h): a newest backup older than this is too old.</summary>
    public string Rpo { get; set; } = "26h";

    public int KeepLast { get; set; } = RetentionPolicy.Default.KeepLast;

    public int KeepDaily { get; set; } = RetentionPolicy.Default.Daily;

    public int KeepWeekly { get; set; } = RetentionPolicy.Default.Weekly;

    public int KeepMonthly { get; set; } = RetentionPolicy.Default.Monthly;

    /// <summary>Production data: a badge on the pages, and a restore onto it waits for a second person's approval (as with <see cref="RequireApproval"/>).</summary>
    public bool Protected { get; set; }

    /// <summary>Dangerous actions on it (restore, erasure) wait for a second person's approval.</summary>
    public bool RequireApproval { get; set; }

    public RetentionPolicy Retention => new(KeepLast, KeepDaily, KeepWeekly, KeepMonthly);
}

/// <summary>A managed database's settings, parsed: what the scheduler and the pages use.</summary>
public sealed record ManagedDatabase(string Name, CronExpression Schedule, CronExpression? Drill, TimeZoneInfo Zone, TimeSpan Rpo, RetentionPolicy Retention, ManagedDatabaseOptions Options)
{
    /// <summary>The next scheduled backup strictly after <paramref name="after"/> (null: the expression never fires again).</summary>
    public DateTimeOffset? NextBackup(DateTimeOffset after) => Schedule.GetNextOccurrence(after, Zone);

    public DateTimeOffset? NextDrill(DateTimeOffset after) => Drill?.GetNextOccurrence(after, Zone);

    /// <summary>The latest scheduled backup time at or before <paramref name="now"/> (null: none within 400 days).</summary>
    public DateTimeOffset? PreviousBackup(DateTimeOffset now) => Previous(Schedule, Zone, now);

    public DateTimeOffset? PreviousDrill(DateTimeOffset now) => Drill is null ? null : Previous(Drill, Zone, now);

    /// <summary>
    /// Cronos only looks forward, so look back in widening windows: an hour holds the previous run of a frequent
    /// schedule without listing a day of minutes, a year and a month hold any other.
    /// </summary>
    internal static DateTimeOffset? Previous(CronExpression cron, TimeZoneInfo zone, DateTimeOffset now)
    {
        foreach (var window in (ReadOnlySpan<TimeSpan>)[TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(32), TimeSpan.FromDays(400)])
        {
            DateTimeOffset? last = null;
            foreach (var occurrence in cron.GetOccurrences(now - window, now, zone, fromInclusive: true, toInclusive: true))
            {
                last = occurrence;
            }

            if (last is not null)
            {
                return last;
            }
        }

        return null;
    }

    /// <summary>Fresh (within the RPO), amber (past 80 % of it) or red (past it, or no backup at all).</summary>
    public BackupFreshness FreshnessAt(DateTimeOffset? lastBackup, DateTimeOffset now) =>
        lastBackup is not { } last || now - last > Rpo ? BackupFreshness.TooOld
        : now - last > Rpo * 0.8 ? BackupFreshness.Ageing
        : BackupFreshness.Fresh;
}

public enum BackupFreshness
{
    Fresh,
    Ageing,
    TooOld,
}

/// <summary>Turns <c>ManagedDatabases</c> into <see cref="ManagedDatabase"/>s, naming the key of every bad entry.</summary>
public static class ManagedDatabases
{
    public static (IReadOnlyList<ManagedDatabase> Databases, IReadOnlyList<string> Errors) Parse(IReadOnlyDictionary<string, ManagedDatabaseOptions> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var databases = new List<ManagedDatabase>();
        var errors = new List<string>();
        foreach (var (name, o) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var key = $"{ManagedDatabaseOptions.Section}:{name}";
            var before = errors.Count;
            if (!IsValidName(name))
            {
                errors.Add($"{key}: the name must be 1 to {MaxNameLength} lower-case letters, digits, '-' or '_', starting with a letter or digit (it names folders and the operations' target).");
            }

            if (string.IsNullOrWhiteSpace(o.ConnectionString) == string.IsNullOrWhiteSpace(o.ConnectionStringName))
            {
                errors.Add($"{key}: set exactly one of ConnectionString and ConnectionStringName.");
            }

            var schedule = Cron(o.Schedule, $"{key}:Schedule", errors, required: true);
            var drill = Cron(o.DrillSchedule, $"{key}:DrillSchedule", errors, required: false);
            TimeZoneInfo? zone = null;
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(o.TimeZone);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
            {
                errors.Add($"{key}:TimeZone \"{o.TimeZone}\" is not a known time zone (use an IANA name such as Europe/Paris).");
            }

            if (!PromDuration.TryParse(o.Rpo, out var rpo, out var rpoError) || rpo <= TimeSpan.Zero)
            {
                errors.Add($"{key}:Rpo \"{o.Rpo}\" is not a positive duration such as 26h ({(rpoError.Length > 0 ? rpoError : "zero")}).");
            }

            if (o.Retention.Problem is { } problem)
            {
                errors.Add($"{key}:KeepLast/KeepDaily/KeepWeekly/KeepMonthly: {problem}.");
            }

            if (errors.Count == before)
            {
                databases.Add(new ManagedDatabase(name, schedule!, drill, zone!, rpo, o.Retention, o));
            }
        }

        return (databases, errors);
    }

    public const int MaxNameLength = 40;

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= MaxNameLength
        && char.IsAsciiLetterLower(name[0]) | char.IsAsciiDigit(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');

    private static CronExpression? Cron(string text, string key, List<string> errors, bool required)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required)
            {
                errors.Add($"{key} is empty: give a cron expression such as \"0 3 * * *\" (03:00 every day).");
            }

            return null;
        }

        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            return CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            errors.Add($"{key} \"{text}\" is not a cron expression: {ex.Message}");
            return null;
        }
    }
}
