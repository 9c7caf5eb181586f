using Microsoft.Extensions.Options;

namespace OpsConsole.Core.Restores;

/// <summary><c>Restores</c>: how long a plan and the replaced database are kept, how long the swap may wait for a lock.</summary>
public sealed class RestoreOptions
{
    public const string Section = "Restores";

    /// <summary>How long the database a restore replaced (<c>&lt;name&gt;__before_&lt;time&gt;</c>) is kept for a swap back, then dropped.</summary>
    public TimeSpan KeepPrevious { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a plan may be used to request a restore (its facts go stale: connections, disk, the newest backup).</summary>
    public TimeSpan PlanValidFor { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long the swap's renames wait for a lock another session holds on the database (PostgreSQL's lock_timeout);
    /// new connections are refused meanwhile, so keep it short. Past it the swap aborts and nothing is renamed.
    /// </summary>
    public TimeSpan SwapLockTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often expired replaced databases and leftover scratch databases are looked for.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Free disk a restore needs on the database host, as a multiple of the database's current size (indexes, WAL).</summary>
    public double DiskHeadroom { get; set; } = 1.2;
}

internal sealed class RestoreOptionsValidator : IValidateOptions<RestoreOptions>
{
    public ValidateOptionsResult Validate(string? name, RestoreOptions options)
    {
        var errors = new List<string>();
        if (options.KeepPrevious < TimeSpan.FromMinutes(1))
        {
            errors.Add($"{RestoreOptions.Section}:KeepPrevious must be at least one minute (is {options.KeepPrevious}).");
        }

        if (options.PlanValidFor < TimeSpan.FromMinutes(1) || options.PlanValidFor > TimeSpan.FromDays(1))
        {
            errors.Add($"{RestoreOptions.Section}:PlanValidFor must be between 1 min and 1 day (is {options.PlanValidFor}).");
        }

        if (options.SwapLockTimeout < TimeSpan.FromMilliseconds(100) || options.SwapLockTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{RestoreOptions.Section}:SwapLockTimeout must be between 100 ms and 1 min (is {options.SwapLockTimeout}).");
        }

        if (options.CleanupInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{RestoreOptions.Section}:CleanupInterval must be at least one second (is {options.CleanupInterval}).");
        }

        if (options.DiskHeadroom is < 1 or > 10)
        {
            errors.Add($"{RestoreOptions.Section}:DiskHeadroom must be between 1 and 10 (is {options.DiskHeadroom}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
