using System.Text;
using NpgsqlTypes;

namespace OpsConsole.Core.Audit.Search;

/// <summary>How a page matches free text (see <see cref="AuditSearchSql.TextWindow"/>).</summary>
public enum AuditTextPath
{
    /// <summary>The predicate as the word index is built, so the planner may use it.</summary>
    Planner,

    /// <summary>
    /// The same words through an expression the index does not match (coalesce is a no-op: the stored words are never
    /// null), so the planner walks the primary key and stops at the page instead of reading a long posting list.
    /// </summary>
    Walk,
}

/// <summary>One SQL parameter of a built search.</summary>
public sealed record SqlParameter(string Name, object Value, NpgsqlDbType Type);

/// <summary>A search after its multi-valued filters were expanded to the values present in the log.</summary>
/// <param name="Query">The normalized filter.</param>
/// <param name="ActorNames">Actor names that match (exact: the value itself; prefix: the names found), or null without an actor filter.</param>
/// <param name="ActorIds">Actor ids that match, as above.</param>
/// <param name="Actions">The allowed actions (prefix expanded and the caller's scope applied), or null when every action is allowed.</param>
public sealed record AuditSearchPlan(AuditQuery Query, IReadOnlyList<string>? ActorNames, IReadOnlyList<string>? ActorIds, IReadOnlyList<string>? Actions)
{
    /// <summary>True when the filter can match nothing (e.g. an action prefix with no actions, or none the caller may see).</summary>
    public bool MatchesNothing =>
        Actions is { Count: 0 } || (ActorNames is not null && ActorNames.Count == 0 && (ActorIds is null || ActorIds.Count == 0));
}

/// <summary>
/// Builds the keyset SQL of a search page (pure; unit tested). The page is "records below the cursor, newest first,
/// n + 1 of them" — never OFFSET. A filter with several values (an actor prefix, an action prefix, an Sre's allowed
/// actions) becomes one small index scan per value on its (column, sequence) index, each limited to n + 1, merged with
/// UNION and cut to n + 1 again: a page costs about (values × n) index entries however deep the cursor is.
/// Text columns are compared with COLLATE "C" because the indexes are built that way (bytewise order makes a prefix
/// one contiguous index range on any database collation).
/// </summary>
public static class AuditSearchSql
{
    /// <summary>More values than this and the branches cost more than they save: the filter becomes <c>= ANY(...)</c>.</summary>
    public const int MaxBranches = 64;

    public const string Columns = "sequence, previous_hash, hash, " + AuditChainWriter.FieldColumns;

    /// <param name="plan">The expanded filter.</param>
    /// <param name="cursor">Exclusive bound: below it (descending) or above it (ascending).</param>
    /// <param name="newerThan">Exclusive lower bound (the live tail), or null.</param>
    /// <param name="limit">Rows to return (the caller asks for one more than a page to learn whether there is a next one).</param>
    /// <param name="ascending">Oldest first (exports, the next record), else newest first.</param>
    /// <param name="atLeast">Inclusive lower bound, or null (the text search's first, bounded window).</param>
    /// <param name="materialize">Collect every match before ordering (a rare word's index windows; see <see cref="TextWindow"/>).</param>
    /// <param name="textPath">How the words are matched: the planner's choice, or forced onto a walk of the primary key.</param>
    public static (string Sql, IReadOnlyList<SqlParameter> Parameters) Page(
        AuditSearchPlan plan, long? cursor, long? newerThan, int limit, bool ascending = false, long? atLeast = null, bool materialize = false,
        AuditTextPath textPath = AuditTextPath.Planner)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var q = plan.Query;
        var parameters = new List<SqlParameter> { new("limit", limit, NpgsqlDbType.Integer) };
        var common = new List<string>();
        if (cursor is { } c)
        {
            parameters.Add(new("cursor", c, NpgsqlDbType.Bigint));
            common.Add(ascending ? "sequence > @cursor" : "sequence < @cursor");
        }

        if (newerThan is { } n)
        {
            parameters.Add(new("newer", n, NpgsqlDbType.Bigint));
            common.Add("sequence > @newer");
        }

        if (atLeast is { } low)
        {
            parameters.Add(new("at_least", low, NpgsqlDbType.Bigint));
            common.Add("sequence >= @at_least");
        }

        if (q.From is { } from)
        {
            parameters.Add(new("from", from, NpgsqlDbType.TimestampTz));
            common.Add("occurred_at >= @from");
        }

        if (q.To is { } to)
        {
            parameters.Add(new("to", to, NpgsqlDbType.TimestampTz));
            common.Add("occurred_at < @to");
        }

        if (q.TargetType is { } targetType)
        {
            parameters.Add(new("target_type", targetType, NpgsqlDbType.Text));
            common.Add("target_type COLLATE \"C\" = @target_type");
        }

        if (q.TargetId is { } targetId)
        {
            parameters.Add(new("target_id", targetId, NpgsqlDbType.Text));
            common.Add("target_id COLLATE \"C\" = @target_id");
        }

        if (q.Outcome is { } outcome)
        {
            parameters.Add(new("outcome", outcome, NpgsqlDbType.Text));
            common.Add("outcome COLLATE \"C\" = @outcome");
        }

        if (q.Text is { } text)
        {
            parameters.Add(new("text", text, NpgsqlDbType.Text));
            common.Add(textPath == AuditTextPath.Walk
                ? "coalesce(words, ''::tsvector) @@ console.audit_words_query(@text)"
                : "words @@ console.audit_words_query(@text)");
        }

        // The branches: one per actor value when there is an actor filter (usually the most selective), else one per
        // allowed action; the other multi-valued filter becomes a plain predicate.
        var branches = new List<string>();
        if (plan.ActorNames is not null || plan.ActorIds is not null)
        {
            AddActions(plan.Actions, common, parameters);
            var names = plan.ActorNames ?? [];
            var ids = plan.ActorIds ?? [];
            if (names.Count + ids.Count > MaxBranches)
            {
                parameters.Add(new("actor_names", names.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text));
                parameters.Add(new("actor_ids", ids.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text));
                branches.Add("(actor_name COLLATE \"C\" = ANY(@actor_names) OR actor_id COLLATE \"C\" = ANY(@actor_ids))");
            }
            else
            {
                for (var i = 0; i < names.Count; i++)
                {
                    parameters.Add(new($"an{i}", names[i], NpgsqlDbType.Text));
                    branches.Add($"actor_name COLLATE \"C\" = @an{i}");
                }

                for (var i = 0; i < ids.Count; i++)
                {
                    parameters.Add(new($"ai{i}", ids[i], NpgsqlDbType.Text));
                    branches.Add($"actor_id COLLATE \"C\" = @ai{i}");
                }
            }
        }
        else if (plan.Actions is { } actions)
        {
            if (actions.Count > MaxBranches)
            {
                AddActions(actions, common, parameters);
            }
            else
            {
                for (var i = 0; i < actions.Count; i++)
                {
                    parameters.Add(new($"a{i}", actions[i], NpgsqlDbType.Text));
                    branches.Add($"action COLLATE \"C\" = @a{i}");
                }
            }
        }

        var order = ascending ? "ASC" : "DESC";
        var sql = new StringBuilder();
        if (materialize)
        {
            // Every match first (PostgreSQL then reads them through the word and BRIN bitmaps), newest n afterwards.
            sql.Append("WITH matches AS MATERIALIZED (");
            AppendSelections(sql, branches, common, perBranchOrder: null);
            sql.Append("), page AS (SELECT sequence FROM matches ORDER BY sequence ").Append(order).Append(" LIMIT @limit");
        }
        else
        {
            sql.Append("WITH page AS (");
            if (branches.Count <= 1)
            {
                AppendSelections(sql, branches, common, perBranchOrder: null);
                sql.Append(" ORDER BY sequence ").Append(order).Append(" LIMIT @limit");
            }
            else
            {
                sql.Append("SELECT sequence FROM (");
                AppendSelections(sql, branches, common, perBranchOrder: order);
                sql.Append(") AS branches ORDER BY sequence ").Append(order).Append(" LIMIT @limit");
            }
        }

        sql.Append(") SELECT ").Append(string.Join(", ", Columns.Split(", ").Select(column => "l." + column)))
            .Append(" FROM console.audit_log l JOIN page USING (sequence) ORDER BY l.sequence ").Append(order);
        return (sql.ToString(), parameters);
    }

    /// <summary>
    /// Free text is searched in sequence windows, because the word index returns matches unordered and reading a common
    /// word's posting list costs about 0.1 µs per match anywhere in the log (15 ms for a word in 1 % of 10 million records,
    /// which the planner still picks): first a walk of the newest <see cref="TextWindow"/> records below the cursor
    /// (sequences have no gaps, so this is a plain range), which is enough for common words. When that window held too
    /// few matches, older windows (<see cref="AuditTextWindows"/>) follow: walked again for a word that was common in the
    /// first window, else through the word index ANDed with the BRIN index on sequence, so only heap pages of matches
    /// inside the window are read.
    /// </summary>
    public const int TextWindow = 1000;

    /// <summary>At least this many matches in the first window (one record in 200) make a word common: later windows walk.</summary>
    public const int CommonWordMatches = 5;

    /// <summary>The first text window: a walk of the newest records in [<paramref name="atLeast"/>, <paramref name="below"/>).</summary>
    public static (string Sql, IReadOnlyList<SqlParameter> Parameters) FirstTextWindow(AuditSearchPlan plan, long below, long atLeast, int limit) =>
        Page(plan, below, null, limit, atLeast: atLeast, textPath: AuditTextPath.Walk);

    /// <summary>
    /// A later text window, [<paramref name="atLeast"/>, <paramref name="below"/>): walked when the first window found
    /// <see cref="CommonWordMatches"/> or more, else every match collected through the word and BRIN indexes.
    /// </summary>
    public static (string Sql, IReadOnlyList<SqlParameter> Parameters) NextTextWindow(AuditSearchPlan plan, long below, long atLeast, int limit, int firstWindowMatches) =>
        firstWindowMatches >= CommonWordMatches
            ? Page(plan, below, null, limit, atLeast: atLeast, textPath: AuditTextPath.Walk)
            : Page(plan, below, null, limit, atLeast: atLeast, materialize: true);

    private static void AppendSelections(StringBuilder sql, List<string> branches, List<string> common, string? perBranchOrder)
    {
        if (branches.Count <= 1)
        {
            var where = branches.Concat(common).ToList();
            sql.Append("SELECT sequence FROM console.audit_log");
            if (where.Count > 0)
            {
                sql.Append(" WHERE ").AppendJoin(" AND ", where);
            }

            return;
        }

        for (var i = 0; i < branches.Count; i++)
        {
            if (i > 0)
            {
                sql.Append(" UNION ");
            }

            sql.Append("(SELECT sequence FROM console.audit_log WHERE ").Append(branches[i]);
            foreach (var predicate in common)
            {
                sql.Append(" AND ").Append(predicate);
            }

            if (perBranchOrder is not null)
            {
                sql.Append(" ORDER BY sequence ").Append(perBranchOrder).Append(" LIMIT @limit");
            }

            sql.Append(')');
        }
    }

    /// <summary>
    /// The distinct values of <paramref name="column"/> that start with <paramref name="prefix"/> ("" for all), read by a
    /// skip scan over its (column, sequence) index: one index probe per value, however many records carry it.
    /// </summary>
    public static string DistinctValues(string column) =>
        column is "action" or "actor_name" or "actor_id"
            ? $"""
               WITH RECURSIVE v(val) AS (
                   (SELECT {column} COLLATE "C" FROM console.audit_log WHERE {column} COLLATE "C" >= @prefix ORDER BY {column} COLLATE "C" LIMIT 1)
                   UNION ALL
                   SELECT (SELECT {column} COLLATE "C" FROM console.audit_log WHERE {column} COLLATE "C" > v.val ORDER BY {column} COLLATE "C" LIMIT 1)
                   FROM v WHERE v.val IS NOT NULL AND starts_with(v.val, @prefix)
               )
               SELECT val FROM v WHERE val IS NOT NULL AND starts_with(val, @prefix) LIMIT @max
               """
            : throw new ArgumentOutOfRangeException(nameof(column), column, "not an expandable column");

    private static void AddActions(IReadOnlyList<string>? actions, List<string> common, List<SqlParameter> parameters)
    {
        if (actions is not null)
        {
            parameters.Add(new("actions", actions.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text));
            common.Add("action COLLATE \"C\" = ANY(@actions)");
        }
    }
}
