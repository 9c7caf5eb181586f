namespace OpsConsole.Core.Backups.Engine;

/// <summary>A table whose row count differs between the manifest and what a check found (null: the table is missing on that side).</summary>
public sealed record RowCountMismatch(string Table, long? Expected, long? Actual)
{
    public override string ToString() => (Expected, Actual) switch
    {
        (null, _) => $"{Table}: not in the manifest, {Actual} rows restored",
        (_, null) => $"{Table}: {Expected} rows expected, table missing",
        _ => $"{Table}: {Expected} rows expected, {Actual} restored",
    };
}

/// <summary>Pure checks of a backup's manifest (row counts per table, keyed by <see cref="TableKey"/>) against what was found.</summary>
public static class Manifest
{
    /// <summary>Every table whose count differs, or that is on one side only; empty when the two agree. Ordered by table.</summary>
    public static IReadOnlyList<RowCountMismatch> Compare(IReadOnlyDictionary<string, long> expected, IReadOnlyDictionary<string, long> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        return expected.Keys.Union(actual.Keys, StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(table => (table, e: expected.TryGetValue(table, out var e) ? e : (long?)null, a: actual.TryGetValue(table, out var a) ? a : (long?)null))
            .Where(t => t.e != t.a)
            .Select(t => new RowCountMismatch(t.table, t.e, t.a))
            .ToList();
    }

    /// <summary>
    /// The manifest tables that have no TABLE DATA entry in <c>pg_restore --list</c> output. A list line is
    /// <c>3357; 0 16386 TABLE DATA public orders postgres</c> (schema, name and owner unquoted, separated by spaces), so
    /// each table is looked for as a prefix rather than by splitting.
    /// </summary>
    public static IReadOnlyList<string> MissingTableData(string restoreList, IEnumerable<string> manifestTables)
    {
        ArgumentNullException.ThrowIfNull(restoreList);
        ArgumentNullException.ThrowIfNull(manifestTables);
        var entries = TableDataEntries(restoreList);
        return manifestTables
            .Where(key =>
            {
                var (schema, table) = TableKey.Parse(key);
                var prefix = schema + " " + table;
                return !entries.Any(e => e == prefix || e.StartsWith(prefix + " ", StringComparison.Ordinal));
            })
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>What follows "TABLE DATA " on each entry line of <c>pg_restore --list</c> (comment lines start with ';').</summary>
    public static IReadOnlyList<string> TableDataEntries(string restoreList)
    {
        ArgumentNullException.ThrowIfNull(restoreList);
        const string Marker = " TABLE DATA ";
        return restoreList.Split('\n')
            .Where(line => !line.StartsWith(';'))
            .Select(line => (line, at: line.IndexOf(Marker, StringComparison.Ordinal)))
            .Where(l => l.at > 0 && l.line.AsSpan(0, l.at).Contains(';'))
            .Select(l => l.line[(l.at + Marker.Length)..].TrimEnd('\r'))
            .ToList();
    }
}
