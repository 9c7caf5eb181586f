using OpsConsole.Core.Backups;

namespace OpsConsole.Web.Features.Backups;

/// <summary>What the Databases page says above its table.</summary>
public static class DatabaseListing
{
    /// <summary>"3 databases · 1 fresh · 1 ageing · 1 too old · 1 failing", the parts that are zero left out (but "all fresh").</summary>
    public static string Summary(IReadOnlyCollection<DatabaseStatus> databases)
    {
        ArgumentNullException.ThrowIfNull(databases);
        var parts = new List<string> { databases.Count == 1 ? "1 database" : $"{databases.Count} databases" };
        if (databases.Count == 0)
        {
            return parts[0];
        }

        var fresh = databases.Count(d => d.Freshness == BackupFreshness.Fresh);
        var ageing = databases.Count(d => d.Freshness == BackupFreshness.Ageing);
        var old = databases.Count(d => d.Freshness == BackupFreshness.TooOld);
        if (fresh == databases.Count)
        {
            parts.Add("all fresh");
        }
        else
        {
            Add(parts, fresh, "fresh");
            Add(parts, ageing, "ageing");
            Add(parts, old, "too old");
        }

        Add(parts, databases.Count(d => d.LastFailure is not null), "last backup failed");
        Add(parts, databases.Count(d => d.LastDrill is { Succeeded: false }), "drill failed");
        Add(parts, databases.Count(d => d.Probe?.Error is not null), "unreachable");
        Add(parts, databases.Count(d => d.Active is not null), "busy");
        return string.Join(" · ", parts);

        static void Add(List<string> parts, int count, string what)
        {
            if (count > 0)
            {
                parts.Add($"{count} {what}");
            }
        }
    }
}
