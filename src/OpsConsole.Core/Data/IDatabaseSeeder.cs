namespace OpsConsole.Core.Data;

/// <summary>
/// Work that runs once the schema is current, still under the migration lock so that instances starting together do
/// not race it (e.g. the bootstrap admin). Registered (scoped) by the capability that owns the data, so Data knows none.
/// </summary>
public interface IDatabaseSeeder
{
    Task SeedAsync(CancellationToken cancellationToken);
}
