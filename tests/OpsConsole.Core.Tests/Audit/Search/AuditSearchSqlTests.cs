using NpgsqlTypes;
using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Core.Tests.Audit.Search;

public sealed class AuditSearchSqlTests
{
    [Fact]
    public void No_filter_is_one_keyset_scan_below_the_cursor_and_never_offset()
    {
        var (sql, parameters) = AuditSearchSql.Page(new AuditSearchPlan(AuditQuery.None, null, null, null), cursor: 500, newerThan: null, limit: 51);

        Assert.Contains("sequence < @cursor", sql, StringComparison.Ordinal);
        Assert.Contains("ORDER BY sequence DESC LIMIT @limit", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("OFFSET", sql, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("UNION", sql, StringComparison.Ordinal);
        Assert.Equal(51, Value(parameters, "limit"));
        Assert.Equal(500L, Value(parameters, "cursor"));
    }

    [Fact]
    public void An_action_set_becomes_one_limited_index_scan_per_action_merged_in_sequence_order()
    {
        var plan = new AuditSearchPlan(new AuditQuery { ActionPrefix = "backups", Outcome = "failed" }.Normalize(), null, null,
            ["backups.run.failed", "backups.run.started", "backups.verify.finished"]);

        var (sql, parameters) = AuditSearchSql.Page(plan, cursor: null, newerThan: null, limit: 51);

        Assert.Equal(3, Count(sql, "(SELECT sequence FROM console.audit_log WHERE action COLLATE \"C\" = @a"));
        Assert.Equal(2, Count(sql, " UNION "));
        Assert.Equal(3, Count(sql, "outcome COLLATE \"C\" = @outcome"));  // every branch carries the other filters
        Assert.Equal(4, Count(sql, "LIMIT @limit"));                       // each branch and the merge
        Assert.Equal("backups.run.started", Value(parameters, "a1"));
        Assert.Equal("failed", Value(parameters, "outcome"));
    }

    [Fact]
    public void An_actor_branches_on_name_and_id_and_the_allowed_actions_become_a_predicate()
    {
        var plan = new AuditSearchPlan(new AuditQuery { Actor = "alice" }.Normalize(), ["alice"], ["alice"], ["backups.run.failed"]);

        var (sql, parameters) = AuditSearchSql.Page(plan, cursor: 10, newerThan: null, limit: 5);

        Assert.Contains("actor_name COLLATE \"C\" = @an0", sql, StringComparison.Ordinal);
        Assert.Contains("actor_id COLLATE \"C\" = @ai0", sql, StringComparison.Ordinal);
        Assert.Equal(2, Count(sql, "action COLLATE \"C\" = ANY(@actions)"));
        Assert.Equal(new[] { "backups.run.failed" }, Value(parameters, "actions"));
    }

    [Fact]
    public void Too_many_values_become_one_any_predicate_instead_of_branches()
    {
        var actions = Enumerable.Range(0, AuditSearchSql.MaxBranches + 1).Select(i => $"x.a{i}").ToList();
        var (sql, _) = AuditSearchSql.Page(new AuditSearchPlan(AuditQuery.None, null, null, actions), null, null, 10);

        Assert.DoesNotContain("UNION", sql, StringComparison.Ordinal);
        Assert.Contains("= ANY(@actions)", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Time_target_text_and_newer_than_are_predicates_with_typed_parameters()
    {
        var query = new AuditQuery
        {
            From = new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero),
            To = new DateTimeOffset(2026, 5, 2, 0, 0, 0, TimeSpan.Zero),
            TargetType = "backup",
            TargetId = "db1",
            Text = "50%_off",
        }.Normalize();

        var (sql, parameters) = AuditSearchSql.Page(new AuditSearchPlan(query, null, null, null), null, newerThan: 77, limit: 10);

        Assert.Contains("occurred_at >= @from", sql, StringComparison.Ordinal);
        Assert.Contains("occurred_at < @to", sql, StringComparison.Ordinal);
        Assert.Contains("sequence > @newer", sql, StringComparison.Ordinal);
        Assert.Contains("words @@ console.audit_words_query(@text)", sql, StringComparison.Ordinal);
        Assert.Equal("50%_off", Value(parameters, "text")); // split into words by the database, never spliced into SQL
        Assert.Equal(NpgsqlDbType.TimestampTz, parameters.Single(p => p.Name == "from").Type);
        Assert.Equal("db1", Value(parameters, "target_id"));
    }

    [Fact]
    public void The_walk_hides_the_word_index_from_the_planner()
    {
        var plan = new AuditSearchPlan(new AuditQuery { Text = "Ωμέγα" }.Normalize(), null, null, null);

        var (walk, _) = AuditSearchSql.Page(plan, cursor: 9000, newerThan: null, limit: 51, atLeast: 8000, textPath: AuditTextPath.Walk);
        var (planner, _) = AuditSearchSql.Page(plan, cursor: 9000, newerThan: null, limit: 51, atLeast: 8000);

        Assert.Contains("coalesce(words, ''::tsvector) @@ console.audit_words_query(@text)", walk, StringComparison.Ordinal);
        Assert.DoesNotContain(" words @@", walk, StringComparison.Ordinal);
        Assert.Contains("AND words @@ console.audit_words_query(@text)", planner, StringComparison.Ordinal);
    }

    [Fact]
    public void Later_text_windows_walk_for_a_word_common_in_the_first_window_and_read_the_index_otherwise()
    {
        var plan = new AuditSearchPlan(new AuditQuery { Text = "timeout" }.Normalize(), null, null, null);

        var (first, _) = AuditSearchSql.FirstTextWindow(plan, below: 9000, atLeast: 8000, limit: 51);
        var (common, _) = AuditSearchSql.NextTextWindow(plan, below: 8000, atLeast: 4000, limit: 40, firstWindowMatches: AuditSearchSql.CommonWordMatches);
        var (rare, _) = AuditSearchSql.NextTextWindow(plan, below: 8000, atLeast: 4000, limit: 50, firstWindowMatches: AuditSearchSql.CommonWordMatches - 1);

        Assert.Contains("coalesce(words, ''::tsvector) @@", first, StringComparison.Ordinal);
        Assert.Contains("coalesce(words, ''::tsvector) @@", common, StringComparison.Ordinal);
        Assert.DoesNotContain("MATERIALIZED", common, StringComparison.Ordinal);
        Assert.StartsWith("WITH matches AS MATERIALIZED (", rare, StringComparison.Ordinal);
        Assert.Contains("AND words @@ console.audit_words_query(@text)", rare, StringComparison.Ordinal);
    }

    [Fact]
    public void The_text_steps_are_a_bounded_window_then_every_match_below_it_collected_before_ordering()
    {
        var plan = new AuditSearchPlan(new AuditQuery { Text = "disk full" }.Normalize(), null, null, ["a.b", "a.c"]);

        var (window, windowParameters) = AuditSearchSql.Page(plan, cursor: 9000, newerThan: null, limit: 51, atLeast: 4000);
        var (rest, _) = AuditSearchSql.Page(plan, cursor: 4000, newerThan: null, limit: 51, materialize: true);

        Assert.Equal(2, Count(window, "sequence >= @at_least"));
        Assert.Equal(4000L, Value(windowParameters, "at_least"));
        Assert.StartsWith("WITH matches AS MATERIALIZED (", rest, StringComparison.Ordinal);
        Assert.Equal(1, Count(rest, "LIMIT @limit")); // no per-branch limit: every match, then the newest n
        Assert.Contains("FROM matches ORDER BY sequence DESC LIMIT @limit", rest, StringComparison.Ordinal);
    }

    [Fact]
    public void Ascending_pages_read_above_the_cursor_oldest_first()
    {
        var (sql, _) = AuditSearchSql.Page(new AuditSearchPlan(AuditQuery.None, null, null, null), cursor: 9, newerThan: null, limit: 10, ascending: true);
        Assert.Contains("sequence > @cursor", sql, StringComparison.Ordinal);
        Assert.EndsWith("ORDER BY l.sequence ASC", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_action_set_or_no_actor_match_matches_nothing()
    {
        Assert.True(new AuditSearchPlan(AuditQuery.None, null, null, []).MatchesNothing);
        Assert.True(new AuditSearchPlan(AuditQuery.None, [], [], null).MatchesNothing);
        Assert.False(new AuditSearchPlan(AuditQuery.None, [], ["id-1"], null).MatchesNothing);
        Assert.False(new AuditSearchPlan(AuditQuery.None, null, null, null).MatchesNothing);
    }

    [Theory]
    [InlineData("action")]
    [InlineData("actor_name")]
    [InlineData("actor_id")]
    public void Distinct_values_are_a_skip_scan_over_the_prefix(string column)
    {
        var sql = AuditSearchSql.DistinctValues(column);
        Assert.Contains("WITH RECURSIVE", sql, StringComparison.Ordinal);
        Assert.Contains($"{column} COLLATE \"C\" > v.val ORDER BY {column} COLLATE \"C\" LIMIT 1", sql, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => AuditSearchSql.DistinctValues("reason; DROP TABLE x"));
    }

    private static object Value(IReadOnlyList<SqlParameter> parameters, string name) => parameters.Single(p => p.Name == name).Value;

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
