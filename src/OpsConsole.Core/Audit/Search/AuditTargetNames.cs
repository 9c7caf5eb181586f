namespace OpsConsole.Core.Audit.Search;

/// <summary>
/// Names for the ids of one target type ("user": user id → user name), contributed by the capability that owns those
/// targets (Audit sits below them and knows none of their tables).
/// </summary>
public interface IAuditTargetNameSource
{
    /// <summary>The records' <c>target_type</c> this source names.</summary>
    string TargetType { get; }

    /// <summary>Names for <paramref name="ids"/> in one query; ids it does not know (deleted, never existed) are left out.</summary>
    Task<IReadOnlyDictionary<string, string>> NamesAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken);
}

/// <summary>
/// Puts target names on a page of records for readers: one batched lookup per target type present on the page, never
/// one per row. A record whose target has no name keeps <see cref="AuditRecordView.TargetName"/> null, so its id shows.
/// The names are read now: a renamed target shows its current name, and the record itself is unchanged.
/// </summary>
public sealed class AuditTargetNames(IEnumerable<IAuditTargetNameSource> sources)
{
    /// <summary>Bounds one lookup; a page is at most <see cref="AuditQuery.MaxPageSize"/> records, so this is never reached by the UI.</summary>
    public const int MaxIdsPerType = 1_000;

    private readonly Dictionary<string, IAuditTargetNameSource> _sources = sources.ToDictionary(s => s.TargetType, StringComparer.Ordinal);

    public async Task<IReadOnlyList<AuditRecordView>> NameAsync(IReadOnlyList<AuditRecordView> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var wanted = records
            .Where(r => r.TargetId is { Length: > 0 } && r.TargetName is null && _sources.ContainsKey(r.TargetType))
            .GroupBy(r => r.TargetType, StringComparer.Ordinal)
            .ToList();
        if (wanted.Count == 0)
        {
            return records;
        }

        var names = new Dictionary<(string Type, string Id), string>();
        foreach (var group in wanted)
        {
            var ids = group.Select(r => r.TargetId!).Distinct(StringComparer.Ordinal).Take(MaxIdsPerType).ToList();
            foreach (var (id, name) in await _sources[group.Key].NamesAsync(ids, cancellationToken))
            {
                names[(group.Key, id)] = name;
            }
        }

        return [.. records.Select(r => r.TargetId is { } id && names.TryGetValue((r.TargetType, id), out var name) ? r with { TargetName = name } : r)];
    }
}
