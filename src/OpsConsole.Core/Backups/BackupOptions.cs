using Microsoft.Extensions.Options;

namespace OpsConsole.Core.Backups;

/// <summary><c>Backups</c>: where dumps go, where the PostgreSQL client programs are, how often the scheduler looks.</summary>
public sealed class BackupOptions
{
    public const string Section = "Backups";

    /// <summary>Where dumps are written, one folder per database; empty: <c>backups/</c> in the data directory.</summary>
    public string Directory { get; set; } = "";

    /// <summary>A folder holding pg_dump and pg_restore; empty: PATH, then the newest /usr/lib/postgresql/&lt;n&gt;/bin.</summary>
    public string PgBinDirectory { get; set; } = "";

    /// <summary>How often the scheduler checks for due backups and drills.</summary>
    public TimeSpan SchedulerInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Whether a start runs a scheduled time that passed while no console ran (like anacron; default). False: only times
    /// after the start count, as cron does.
    /// </summary>
    public bool CatchUp { get; set; } = true;

    /// <summary>A scheduled run that has not completed this long after its time counts as missed (BackupScheduleMissed).</summary>
    public TimeSpan MissedAfter { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a safety backup (pre-restore, pre-migration, pre-erasure) is kept whatever the retention policy.</summary>
    public TimeSpan KeepSafetyBackupsFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often each managed database's server facts (version, size, connections) are read for the pages.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class BackupOptionsValidator : IValidateOptions<BackupOptions>
{
    public ValidateOptionsResult Validate(string? name, BackupOptions options)
    {
        var errors = new List<string>();
        if (options.SchedulerInterval < TimeSpan.FromSeconds(1) || options.SchedulerInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{BackupOptions.Section}:SchedulerInterval must be between 1 s and 5 min (is {options.SchedulerInterval}).");
        }

        if (options.MissedAfter < TimeSpan.FromMinutes(1))
        {
            errors.Add($"{BackupOptions.Section}:MissedAfter must be at least one minute (is {options.MissedAfter}).");
        }

        if (options.ProbeInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{BackupOptions.Section}:ProbeInterval must be at least one second (is {options.ProbeInterval}).");
        }

        if (options.KeepSafetyBackupsFor < TimeSpan.Zero)
        {
            errors.Add($"{BackupOptions.Section}:KeepSafetyBackupsFor must not be negative (is {options.KeepSafetyBackupsFor}).");
        }

        if (options.PgBinDirectory.Length > 0 && !System.IO.Directory.Exists(options.PgBinDirectory))
        {
            errors.Add($"{BackupOptions.Section}:PgBinDirectory \"{options.PgBinDirectory}\" does not exist.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
