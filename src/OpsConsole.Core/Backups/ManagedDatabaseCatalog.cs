using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace OpsConsole.Core.Backups;

/// <summary>
/// The managed databases, parsed once from validated options (<c>ManagedDatabases</c>): what the scheduler, the
/// operations and the pages look up by name, with each one's connection string resolved.
/// </summary>
public sealed class ManagedDatabaseCatalog
{
    private readonly IConfiguration _configuration;
    private readonly Dictionary<string, ManagedDatabase> _byName;

    public ManagedDatabaseCatalog(IOptions<Dictionary<string, ManagedDatabaseOptions>> options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        _configuration = configuration;
        var (databases, _) = ManagedDatabases.Parse(options.Value);
        All = databases;
        _byName = databases.ToDictionary(d => d.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<ManagedDatabase> All { get; }

    public ManagedDatabase? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The operations' target for a database: one backup, drill or restore of it at a time.</summary>
    public static string Target(string name) => $"database:{name}";

    /// <summary>The name in a target made by <see cref="Target"/>, or null for another kind of target.</summary>
    public static string? NameOf(string target) => target.StartsWith("database:", StringComparison.Ordinal) ? target["database:".Length..] : null;

    public string ConnectionString(ManagedDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database.Options.ConnectionString.Length > 0
            ? database.Options.ConnectionString
            : _configuration.GetConnectionString(database.Options.ConnectionStringName)
              ?? throw new InvalidOperationException($"ConnectionStrings:{database.Options.ConnectionStringName} is not set (named by {ManagedDatabaseOptions.Section}:{database.Name}).");
    }
}

/// <summary>Fails the start naming every bad <c>ManagedDatabases</c> entry, including a missing named connection string.</summary>
internal sealed class ManagedDatabasesValidator(IConfiguration configuration) : IValidateOptions<Dictionary<string, ManagedDatabaseOptions>>
{
    public ValidateOptionsResult Validate(string? name, Dictionary<string, ManagedDatabaseOptions> options)
    {
        var (_, errors) = ManagedDatabases.Parse(options);
        var all = errors.ToList();
        foreach (var (key, database) in options)
        {
            if (database.ConnectionStringName.Length > 0 && database.ConnectionString.Length == 0
                && string.IsNullOrEmpty(configuration.GetConnectionString(database.ConnectionStringName)))
            {
                all.Add($"{ManagedDatabaseOptions.Section}:{key}:ConnectionStringName names ConnectionStrings:{database.ConnectionStringName}, which is not set.");
            }
        }

        return all.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(all);
    }
}
