namespace OpsConsole.Core.Backups.Engine;

/// <summary>
/// Reads what pg_dump -v and pg_restore -v write to stderr: which table's data is being copied now (for progress),
/// and which lines are errors or warnings (for the log and the failure message).
/// </summary>
public static class PgVerboseOutput
{
    private static readonly string[] TableMarkers =
    [
        "dumping contents of table \"", // pg_dump
        "processing data for table \"", // pg_restore
    ];

    /// <summary>
    /// "public.orders" from <c>pg_dump: dumping contents of table "public.orders"</c> or
    /// <c>pg_restore: processing data for table "public.orders"</c>; null for any other line. The name is printed
    /// unquoted (schema, a dot, table), so it is matched against known tables rather than split.
    /// </summary>
    public static string? TableOf(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        foreach (var marker in TableMarkers)
        {
            var at = line.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0 && line.EndsWith('"'))
            {
                var name = line[(at + marker.Length)..^1];
                return name.Length > 0 ? name : null;
            }
        }

        return null;
    }

    /// <summary>"pg_dump: error: ..." and the older "pg_restore: [archiver] ..." shapes, and libpq's FATAL/ERROR lines.</summary>
    public static bool IsError(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Contains(": error: ", StringComparison.Ordinal)
            || line.Contains("FATAL:", StringComparison.Ordinal)
            || line.Contains("ERROR:", StringComparison.Ordinal);
    }

    public static bool IsWarning(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Contains(": warning: ", StringComparison.Ordinal) || line.Contains("WARNING:", StringComparison.Ordinal);
    }

    /// <summary>ENOSPC as the C library words it: a server out of space for temporary files, or a full target.</summary>
    public static bool MentionsDiskFull(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Contains("No space left on device", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>
/// Turns "table X started" lines into a fraction done, weighting each table (by its size on disk while dumping, by its
/// manifest row count while restoring) so one big table is most of the bar. Tables it was not told about weigh nothing.
/// </summary>
public sealed class TableProgress
{
    private readonly Dictionary<string, double> weights;
    private readonly HashSet<string> started = new(StringComparer.Ordinal);
    private readonly double total;
    private double done;
    private string? current;

    /// <param name="weights">Keyed by the name as the tools print it ("schema.table"); every table also weighs one unit, so empty tables still move the bar.</param>
    public TableProgress(IEnumerable<KeyValuePair<string, long>> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        this.weights = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, weight) in weights)
        {
            this.weights[name] = Math.Max(weight, 0) + 1.0;
        }

        total = this.weights.Values.Sum();
    }

    public int TableCount => weights.Count;

    /// <summary>The table just started: the ones before it are done. Returns the fraction done (0..1) before this table.</summary>
    public double Start(string table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (current is not null)
        {
            done += weights.GetValueOrDefault(current);
        }

        current = started.Add(table) ? table : null;
        return total <= 0 ? 0 : Math.Min(done / total, 1.0);
    }
}
