using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Backups;

namespace OpsConsole.Core.Migrations;

/// <summary>
/// <c>ManagedDatabases:&lt;name&gt;:Migrations</c>: where a managed database's versioned SQL lives, and how long a migration
/// may wait for a lock and run. Bound beside <see cref="ManagedDatabaseOptions"/> from the same section, so the
/// Backups capability never learns about migrations.
/// </summary>
public sealed class MigrationSettings
{
    /// <summary>The folder of <c>V&lt;version&gt;__&lt;description&gt;.sql</c> files (relative: to the content root). Empty: no migrations.</summary>
    public string Path { get; set; } = "";

    /// <summary>
    /// PostgreSQL's <c>lock_timeout</c> for each statement, as a Prometheus duration: a migration that would queue behind a
    /// long transaction fails fast instead of blocking every query that queues behind it.
    /// </summary>
    public string LockTimeout { get; set; } = "5s";

    /// <summary>PostgreSQL's <c>statement_timeout</c> for each statement (0s: none).</summary>
    public string StatementTimeout { get; set; } = "30m";

    /// <summary>Apply a file older than the newest applied one (Flyway's <c>outOfOrder</c>); off, it blocks the apply.</summary>
    public bool OutOfOrder { get; set; }
}

/// <summary>The <c>Migrations</c> part of one <c>ManagedDatabases</c> entry.</summary>
public sealed class ManagedDatabaseMigrations
{
    public MigrationSettings Migrations { get; set; } = new();
}

/// <summary>A managed database with migrations, its settings parsed.</summary>
public sealed record MigrationTarget(ManagedDatabase Database, string Folder, TimeSpan LockTimeout, TimeSpan StatementTimeout, bool OutOfOrder)
{
    public string Name => Database.Name;
}

/// <summary>The managed databases that name a migrations folder, with their folders resolved against the content root.</summary>
public sealed class MigrationCatalog
{
    private readonly Dictionary<string, MigrationTarget> _byName;

    public MigrationCatalog(IOptions<Dictionary<string, ManagedDatabaseMigrations>> options, ManagedDatabaseCatalog databases, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(databases);
        ArgumentNullException.ThrowIfNull(environment);
        var (targets, _) = Parse(options.Value, databases, environment.ContentRootPath);
        _byName = targets.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<MigrationTarget> All => _byName.Values;

    /// <summary>The database's migration settings, or null when it is not managed or names no folder.</summary>
    public MigrationTarget? Find(string database) => _byName.GetValueOrDefault(database);

    public static (IReadOnlyList<MigrationTarget> Targets, IReadOnlyList<string> Errors) Parse(
        IReadOnlyDictionary<string, ManagedDatabaseMigrations> entries, ManagedDatabaseCatalog databases, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(databases);
        var targets = new List<MigrationTarget>();
        var errors = new List<string>();
        foreach (var (name, entry) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var settings = entry.Migrations;
            var key = $"{ManagedDatabaseOptions.Section}:{name}:Migrations";
            if (string.IsNullOrWhiteSpace(settings.Path) || databases.Find(name) is not { } database)
            {
                continue; // no migrations, or a bad entry the managed databases' own validation names
            }

            var folder = System.IO.Path.GetFullPath(settings.Path, contentRoot);
            var before = errors.Count;
            if (!Directory.Exists(folder))
            {
                errors.Add($"{key}:Path \"{settings.Path}\" is not a folder ({folder} does not exist).");
            }

            if (!PromDuration.TryParse(settings.LockTimeout, out var lockTimeout, out var lockError) || lockTimeout <= TimeSpan.Zero)
            {
                errors.Add($"{key}:LockTimeout \"{settings.LockTimeout}\" is not a positive duration such as 5s ({(lockError.Length > 0 ? lockError : "zero would wait forever")}).");
            }

            if (!PromDuration.TryParse(settings.StatementTimeout, out var statementTimeout, out var statementError))
            {
                errors.Add($"{key}:StatementTimeout \"{settings.StatementTimeout}\" is not a duration such as 30m ({statementError}).");
            }

            if (errors.Count == before)
            {
                targets.Add(new MigrationTarget(database, folder, lockTimeout, statementTimeout, settings.OutOfOrder));
            }
        }

        return (targets, errors);
    }
}

/// <summary>Fails the start naming every bad <c>ManagedDatabases:&lt;name&gt;:Migrations</c> key.</summary>
internal sealed class MigrationSettingsValidator(ManagedDatabaseCatalog databases, IHostEnvironment environment) : IValidateOptions<Dictionary<string, ManagedDatabaseMigrations>>
{
    public ValidateOptionsResult Validate(string? name, Dictionary<string, ManagedDatabaseMigrations> options)
    {
        var (_, errors) = MigrationCatalog.Parse(options, databases, environment.ContentRootPath);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
