using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Audit.Search;

/// <summary>Reading the audit log: what the Audit page and /api/v1/audit use (a seam for component tests).</summary>
public interface IAuditSearch
{
    /// <summary>A page of matching records older than <paramref name="cursor"/> (the newest when null), newest first.</summary>
    Task<AuditSearchPage> SearchAsync(ClaimsPrincipal caller, AuditQuery query, long? cursor, int pageSize, CancellationToken cancellationToken = default);

    /// <summary>
    /// The newest matching records above <paramref name="newerThan"/> (live tail), newest first. A non-null
    /// <see cref="AuditSearchPage.NextCursor"/> means more arrived than <paramref name="pageSize"/>: reload from the top.
    /// </summary>
    Task<AuditSearchPage> NewerAsync(ClaimsPrincipal caller, AuditQuery query, long newerThan, int pageSize, CancellationToken cancellationToken = default);

    /// <summary>One record the caller may see, with its visible neighbours; null when there is none (or it is hidden).</summary>
    Task<AuditRecordDetail?> GetAsync(ClaimsPrincipal caller, long sequence, CancellationToken cancellationToken = default);
}

/// <summary>The runtime role's own pool for audit reads: a circuit or an export reads without holding a DbContext.</summary>
public sealed class AuditReadDataSource(ConsoleConnectionStrings connections) : IDisposable
{
    private readonly Lazy<NpgsqlDataSource> _source = new(() => new NpgsqlDataSourceBuilder(connections.Runtime) { Name = "console-audit-read" }.Build()); // named: /metrics labels pools by name

    public NpgsqlDataSource Source => _source.Value;

    public void Dispose()
    {
        if (_source.IsValueCreated)
        {
            _source.Value.Dispose();
        }
    }
}

/// <summary>
/// Searches the audit log. Checks <see cref="ConsolePolicies.AuditRead"/> itself, applies the caller's
/// <see cref="AuditScope"/> in the SQL, and records the read (<c>audit.searched</c>, <c>audit.viewed</c>) once per
/// distinct filter per caller per window (<see cref="AuditReadAccessLog"/>).
/// </summary>
public sealed class AuditSearchService(
    AuditReadDataSource data,
    IAuthorizationService authorization,
    IAuditTrail audit,
    AuditReadAccessLog reads,
    AuditTargetNames? names = null) : IAuditSearch
{
    /// <summary>A bound on a prefix expansion (each value is one index probe); past <see cref="AuditSearchSql.MaxBranches"/> values they become one ANY(...) predicate.</summary>
    private const int MaxExpansion = 100_000;

    public async Task<AuditSearchPage> SearchAsync(ClaimsPrincipal caller, AuditQuery query, long? cursor, int pageSize, CancellationToken cancellationToken = default)
    {
        var (normalized, scope) = await PrepareAsync(caller, query, pageSize);
        if (cursor is < 1)
        {
            throw new AuditQueryException("cursor", "'cursor' must be a record sequence number (a positive integer) from 'nextCursor'.");
        }

        await RecordReadAsync(caller, "audit.searched", normalized.Describe(), normalized.Fingerprint(), cancellationToken);
        return await NamedAsync(await PageAsync(normalized, scope, cursor, null, pageSize, ascending: false, cancellationToken), cancellationToken);
    }

    public async Task<AuditSearchPage> NewerAsync(ClaimsPrincipal caller, AuditQuery query, long newerThan, int pageSize, CancellationToken cancellationToken = default)
    {
        var (normalized, scope) = await PrepareAsync(caller, query, pageSize);
        await RecordReadAsync(caller, "audit.searched", normalized.Describe(), normalized.Fingerprint(), cancellationToken);
        return await NamedAsync(await PageAsync(normalized, scope, null, Math.Max(0, newerThan), pageSize, ascending: false, cancellationToken), cancellationToken);
    }

    public async Task<AuditRecordDetail?> GetAsync(ClaimsPrincipal caller, long sequence, CancellationToken cancellationToken = default)
    {
        var scope = await DemandAsync(caller);
        if (sequence < 1)
        {
            return null;
        }

        AuditRecordView? record = null;
        await using (var connection = await data.Source.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand($"SELECT {AuditSearchSql.Columns} FROM console.audit_log WHERE sequence = @s", connection))
        {
            command.Parameters.AddWithValue("s", sequence);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                record = AuditRecordView.Read(reader);
            }
        }

        if (record is null || !AuditVisibility.CanSee(scope, record.Action))
        {
            return null; // hidden records are indistinguishable from missing ones
        }

        await RecordReadAsync(caller, "audit.viewed", new Dictionary<string, string?> { ["sequence"] = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        var older = await PageAsync(AuditQuery.None, scope, sequence, null, 1, ascending: false, cancellationToken);
        var newer = await PageAsync(AuditQuery.None, scope, sequence, null, 1, ascending: true, cancellationToken);
        var named = names is null ? record : (await names.NameAsync([record], cancellationToken))[0];
        return new AuditRecordDetail(named, older.Items.FirstOrDefault()?.Sequence, newer.Items.FirstOrDefault()?.Sequence);
    }

    /// <summary>
    /// Reads every matching record oldest first in keyset batches, for exports: no OFFSET and never the whole result in
    /// memory. The caller has been authorized and audited by the export.
    /// </summary>
    internal async IAsyncEnumerable<AuditRecordView> ReadAllAsync(AuditQuery query, AuditScope scope, int batchSize, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long? cursor = null;
        while (true)
        {
            var page = await PageAsync(query, scope, cursor, null, batchSize, ascending: true, cancellationToken);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            if (page.NextCursor is null)
            {
                yield break;
            }

            cursor = page.NextCursor;
        }
    }

    // Exports (ReadAllAsync) stay as stored: an export is evidence, and names are only how the page reads today.
    private async Task<AuditSearchPage> NamedAsync(AuditSearchPage page, CancellationToken cancellationToken) =>
        names is null || page.Items.Count == 0 ? page : page with { Items = await names.NameAsync(page.Items, cancellationToken) };

    internal async Task<AuditScope> DemandAsync(ClaimsPrincipal caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!(await authorization.AuthorizeAsync(caller, ConsolePolicies.AuditRead)).Succeeded)
        {
            await audit.RecordAsync(new AuditEntry(caller, "audit.access", "audit_log", "*", AuditOutcome.Denied));
            throw new UnauthorizedAccessException("Reading the audit log needs the Admin, Auditor or Sre role.");
        }

        return AuditVisibility.ScopeOf(caller);
    }

    private async Task<(AuditQuery Query, AuditScope Scope)> PrepareAsync(ClaimsPrincipal caller, AuditQuery query, int pageSize)
    {
        ArgumentNullException.ThrowIfNull(query);
        var scope = await DemandAsync(caller);
        AuditQuery.ValidatePageSize(pageSize);
        return (query.Normalize(), scope);
    }

    private async Task<AuditSearchPage> PageAsync(AuditQuery query, AuditScope scope, long? cursor, long? newerThan, int pageSize, bool ascending, CancellationToken cancellationToken)
    {
        await using var connection = await data.Source.OpenConnectionAsync(cancellationToken);
        var plan = await PlanAsync(connection, query, scope, cancellationToken);
        if (plan.MatchesNothing)
        {
            return new AuditSearchPage([], null);
        }

        List<AuditRecordView> items;
        if (query.Text is null || ascending || newerThan is not null)
        {
            items = await ReadAsync(connection, AuditSearchSql.Page(plan, cursor, newerThan, pageSize + 1, ascending), cancellationToken);
        }
        else
        {
            // Text: a walk of the newest window below the cursor first, then (only if needed) older sequence windows,
            // each sized from the match density seen so far: walked for a word that was common in the first window,
            // else through the word and BRIN indexes.
            var below = cursor ?? await TopAsync(connection, cancellationToken) + 1;
            var low = Math.Max(1, below - AuditSearchSql.TextWindow);
            items = await ReadAsync(connection, AuditSearchSql.FirstTextWindow(plan, below, low, pageSize + 1), cancellationToken);
            var firstWindowMatches = items.Count;
            var window = new AuditTextWindows(below - low, items.Count);
            while (items.Count <= pageSize && low > 1)
            {
                var high = low;
                low = Math.Max(1, high - window.Next(pageSize + 1 - items.Count));
                var next = AuditSearchSql.NextTextWindow(plan, high, low, pageSize + 1 - items.Count, firstWindowMatches);
                var found = await ReadAsync(connection, next, cancellationToken);
                items.AddRange(found);
                window.Searched(high - low, found.Count);
            }
        }

        Debug.Assert(items.All(i => AuditVisibility.CanSee(scope, i.Action)), "the scope is applied in SQL");
        if (items.Count > pageSize)
        {
            items.RemoveAt(items.Count - 1);
            return new AuditSearchPage(items, items[^1].Sequence);
        }

        return new AuditSearchPage(items, null);
    }

    private static async Task<List<AuditRecordView>> ReadAsync(NpgsqlConnection connection, (string Sql, IReadOnlyList<SqlParameter> Parameters) page, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(page.Sql, connection);
        foreach (var p in page.Parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(p.Name, p.Type) { Value = p.Value });
        }

        var items = new List<AuditRecordView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(AuditRecordView.Read(reader));
        }

        return items;
    }

    private static async Task<long> TopAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT coalesce(max(sequence), 0) FROM console.audit_log", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Expands the actor and action prefixes (and an Sre's scope) to the values present in the log.</summary>
    internal static async Task<AuditSearchPlan> PlanAsync(NpgsqlConnection connection, AuditQuery query, AuditScope scope, CancellationToken cancellationToken)
    {
        IReadOnlyList<string>? actions = null;
        if (query.ActionPrefix is not null || scope == AuditScope.Operational)
        {
            var prefix = query.ActionPrefix ?? "";
            var found = await DistinctAsync(connection, "action", prefix, cancellationToken);
            actions = [.. found.Where(a => (query.ActionPrefix is null || AuditQuery.ActionMatches(query.ActionPrefix, a)) && AuditVisibility.CanSee(scope, a))];
        }

        IReadOnlyList<string>? names = null, ids = null;
        if (query.Actor is { } actor)
        {
            if (query.ActorMatch == ActorMatch.Exact)
            {
                names = [actor];
                ids = [actor];
            }
            else
            {
                names = await DistinctAsync(connection, "actor_name", actor, cancellationToken);
                ids = await DistinctAsync(connection, "actor_id", actor, cancellationToken);
            }
        }

        return new AuditSearchPlan(query, names, ids, actions);
    }

    private static async Task<IReadOnlyList<string>> DistinctAsync(NpgsqlConnection connection, string column, string prefix, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(AuditSearchSql.DistinctValues(column), connection);
        command.Parameters.AddWithValue("prefix", prefix);
        command.Parameters.AddWithValue("max", MaxExpansion);
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private async Task RecordReadAsync(ClaimsPrincipal caller, string action, IReadOnlyDictionary<string, string?> details, string fingerprint, CancellationToken cancellationToken)
    {
        var (type, id, name, _, token) = AuditActors.Describe(caller);
        var callerKey = $"{type}:{id}:{name}:{token}";
        if (!reads.ShouldRecord(callerKey, action, fingerprint))
        {
            return;
        }

        try
        {
            // No audit, no read: when the record cannot be written the search fails (503) rather than go unrecorded.
            await audit.RecordAsync(new AuditEntry(caller, action, "audit_log", "*", AuditOutcome.Succeeded, details), cancellationToken);
        }
        catch
        {
            reads.Forget(callerKey, action, fingerprint);
            throw;
        }
    }
}
