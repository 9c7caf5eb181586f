using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Audit.Search;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Audit;

/// <summary>The audit log's read side against the real PostgreSQL: every filter, keyset paging, the Sre scope, 422s.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditSearchTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private static readonly ClaimsPrincipal Auditor = Principal("auditor-1", ConsoleRoles.Auditor);
    private static readonly ClaimsPrincipal Sre = Principal("sre-1", ConsoleRoles.Sre);

    [Fact]
    public async Task Each_filter_narrows_to_exactly_the_matching_records()
    {
        await SeedMixAsync();
        var all = await AuditLog.ReadAsync(Postgres.SharedConnectionString);
        Assert.True(all.Count >= 60);
        var middle = all[all.Count / 2].OccurredAt;
        var later = all[(all.Count * 3) / 4].OccurredAt;

        var cases = new (string Name, AuditQuery Query, Func<AuditRecord, bool> Expected)[]
        {
            ("everything", AuditQuery.None, _ => true),
            ("from", new AuditQuery { From = middle }, r => r.OccurredAt >= middle),
            ("to", new AuditQuery { To = middle }, r => r.OccurredAt < middle),
            ("from-to", new AuditQuery { From = middle, To = later }, r => r.OccurredAt >= middle && r.OccurredAt < later),
            ("actor name", new AuditQuery { Actor = "alice" }, r => r.ActorName == "alice" || r.ActorId == "alice"),
            ("actor id", new AuditQuery { Actor = "id-bob" }, r => r.ActorName == "id-bob" || r.ActorId == "id-bob"),
            ("actor prefix", new AuditQuery { Actor = "ali", ActorMatch = ActorMatch.Prefix },
                r => r.ActorName.StartsWith("ali", StringComparison.Ordinal) || (r.ActorId?.StartsWith("ali", StringComparison.Ordinal) ?? false)),
            ("actor exact is not a prefix", new AuditQuery { Actor = "ali" }, r => r.ActorName == "ali"),
            ("action prefix", new AuditQuery { ActionPrefix = "identity.user" }, r => r.Action == "identity.user" || r.Action.StartsWith("identity.user.", StringComparison.Ordinal)),
            ("action top level", new AuditQuery { ActionPrefix = "backups" }, r => r.Action.StartsWith("backups.", StringComparison.Ordinal)),
            ("action exact leaf", new AuditQuery { ActionPrefix = "backups.run.failed" }, r => r.Action == "backups.run.failed"),
            ("target type", new AuditQuery { TargetType = "backup" }, r => r.TargetType == "backup"),
            ("target id", new AuditQuery { TargetId = "orders_db" }, r => r.TargetId == "orders_db"),
            ("target both", new AuditQuery { TargetType = "alert", TargetId = "a-7" }, r => r.TargetType == "alert" && r.TargetId == "a-7"),
            ("outcome", new AuditQuery { Outcome = "denied" }, r => r.Outcome == "denied"),
            ("text words in reason", new AuditQuery { Text = "DISK FULL" }, r => HasWords(r, "disk", "full")),
            ("text compound word", new AuditQuery { Text = "node-3" }, r => HasWords(r, "node-3")),
            ("text word prefix", new AuditQuery { Text = "orders_d*" }, r => Words(r).Any(w => w.StartsWith("orders_d", StringComparison.Ordinal))),
            ("text part of a word is not a word", new AuditQuery { Text = "orders_d" }, _ => false),
            ("text punctuation separates words", new AuditQuery { Text = "100%_x" }, r => HasWords(r, "100", "x")),
            ("combined", new AuditQuery { ActionPrefix = "backups", Outcome = "failed", Actor = "bob" },
                r => r.Action.StartsWith("backups.", StringComparison.Ordinal) && r.Outcome == "failed" && (r.ActorName == "bob" || r.ActorId == "bob")),
            ("no match", new AuditQuery { ActionPrefix = "nothing.here" }, _ => false),
        };

        foreach (var (name, query, expected) in cases)
        {
            var want = all.Where(expected).Select(r => r.Sequence).OrderDescending().ToList();
            var got = await SearchAllAsync(Auditor, query, pageSize: 7, all[^1].Sequence);
            Assert.True(want.SequenceEqual(got), $"{name}: expected [{string.Join(",", want)}] got [{string.Join(",", got)}]");
        }

        Assert.Contains(all, r => r.Action == "backups.run.failed" && r.Outcome == "failed" && r.ActorName == "bob"); // the combined case is not vacuous
        Assert.Contains(all, r => (r.Reason ?? "").Contains("100%_x", StringComparison.Ordinal));
        Assert.Contains(all, r => HasWords(r, "node-3")); // the word cases are not vacuous either
        Assert.Contains(all, r => Words(r).Contains("orders_db"));
    }

    [Fact]
    public async Task Huge_details_and_overlong_words_are_written_and_the_words_of_the_first_64_KiB_are_found()
    {
        // The word function runs inside the audit write: if it could fail, the action would be refused.
        var overlong = new string('w', 150); // over the 100-character word limit, within the 256-character filter limit
        var filler = string.Join(' ', Enumerable.Repeat("filler", 20_000)); // about 140 KB
        await SeedAsync([Entry("ops", "backups.run.failed", "backup", "huge", AuditOutcome.Failed, reason: "early-word " + overlong,
            details: new Dictionary<string, string?> { ["log"] = filler + " late-word" })]);

        var all = await AuditLog.ReadAsync(Postgres.SharedConnectionString);
        var huge = all.Single(r => r.TargetId == "huge");
        Assert.Equal([huge.Sequence], await SearchAllAsync(Auditor, new AuditQuery { Text = "early-word" }, 50, all[^1].Sequence));
        Assert.Empty(await SearchAllAsync(Auditor, new AuditQuery { Text = overlong }, 50, all[^1].Sequence));
        Assert.Empty(await SearchAllAsync(Auditor, new AuditQuery { Text = "late-word" }, 50, all[^1].Sequence));
    }

    [Fact]
    public async Task Keyset_pages_return_every_record_once_newest_first_while_records_are_appended()
    {
        await SeedAsync(Enumerable.Range(0, 230).Select(i => Entry("pager", i % 3 == 0 ? "backups.run.started" : "alerts.rule.evaluated", "job", $"j{i}")));
        var before = (await AuditLog.ReadAsync(Postgres.SharedConnectionString)).Select(r => r.Sequence).OrderDescending().ToList();

        var seen = new List<long>();
        long? cursor = null;
        var appended = 0;
        do
        {
            var page = await SearchAsync(Auditor, AuditQuery.None, cursor, 40);
            seen.AddRange(page.Items.Select(i => i.Sequence));
            cursor = page.NextCursor;
            // New records land above the first page while we page down; they must not shift or repeat anything.
            await SeedAsync(Enumerable.Range(0, 5).Select(i => Entry("pager", "backups.run.finished", "job", $"new{appended + i}")));
            appended += 5;
        }
        while (cursor is not null);

        // Everything that existed when paging started, once each, in descending order (the first page may also hold
        // records written by earlier steps of this test, such as its own audit.searched record).
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.True(seen.SequenceEqual(seen.OrderDescending()), "pages are newest first");
        var below = seen.Where(s => s <= before[0]).ToList();
        Assert.Equal(before.Where(s => s <= before[0]).ToList(), below);

        // The live tail's question: what is newer than the top of the first page?
        var newer = await NewerAsync(Auditor, new AuditQuery { ActionPrefix = "backups.run.finished" }, before[0], 200);
        Assert.Equal(appended, newer.Items.Count);
        Assert.True(newer.Items.Select(i => i.Sequence).SequenceEqual(newer.Items.Select(i => i.Sequence).OrderDescending()));
    }

    [Fact]
    public async Task Text_matches_older_than_the_newest_window_are_found_through_the_word_index_in_order()
    {
        // A rare term in a few old records, then more than a text window of records without it.
        await SeedAsync(Enumerable.Range(0, 7).Select(i => Entry("ops", "backups.run.failed", "backup", $"old{i}", AuditOutcome.Failed, reason: $"zebra-stripe fault {i}")));
        await using (var connection = new Npgsql.NpgsqlConnection(Postgres.SharedConnectionString))
        {
            await connection.OpenAsync();
            await using var bulk = new Npgsql.NpgsqlCommand(
                $$"""
                INSERT INTO console.audit_inbox (occurred_at, actor_type, actor_name, actor_roles, action, target_type, target_id, outcome, reason, details)
                SELECT now(), 'system', 'system', '{}', 'alerts.rule.evaluated', 'rule', 'r' || g, 'succeeded', CASE WHEN g = 1000 THEN 'one zebra-stripe in the middle' END, '{}'
                FROM generate_series(1, {{AuditSearchSql.TextWindow + 1500}}) AS g
                """, connection);
            await bulk.ExecuteNonQueryAsync();
        }

        await Console.Services.GetRequiredService<AuditChainWriter>().DrainAsync(CancellationToken.None);
        var all = await AuditLog.ReadAsync(Postgres.SharedConnectionString);
        var want = all.Where(r => (r.Reason ?? "").Contains("zebra-stripe", StringComparison.Ordinal)).Select(r => r.Sequence).OrderDescending().ToList();
        Assert.Equal(8, want.Count);

        Assert.Equal(want, await SearchAllAsync(Auditor, new AuditQuery { Text = "ZEBRA-stripe" }, pageSize: 3, all[^1].Sequence));
        var first = await SearchAsync(Auditor, new AuditQuery { Text = "zebra-stripe" }, null, 50);
        Assert.Equal(want, first.Items.Select(i => i.Sequence).Where(s => s <= all[^1].Sequence));
    }

    [Fact]
    public async Task A_word_common_in_the_newest_window_is_walked_into_older_windows_in_order()
    {
        // One record in 100 carries the word: the first window finds enough of it to call it common, so a 50-record page
        // walks older windows by the primary key instead of reading the word's posting list.
        await using (var connection = new Npgsql.NpgsqlConnection(Postgres.SharedConnectionString))
        {
            await connection.OpenAsync();
            await using var bulk = new Npgsql.NpgsqlCommand(
                $$"""
                INSERT INTO console.audit_inbox (occurred_at, actor_type, actor_name, actor_roles, action, target_type, target_id, outcome, reason, details)
                SELECT now(), 'system', 'system', '{}', 'alerts.rule.evaluated', 'rule', 'r' || g, 'succeeded',
                       CASE WHEN g % 100 = 0 THEN 'retry-storm on shard ' || g END, '{}'
                FROM generate_series(1, {{AuditSearchSql.TextWindow * 6}}) AS g
                """, connection);
            await bulk.ExecuteNonQueryAsync();
        }

        await Console.Services.GetRequiredService<AuditChainWriter>().DrainAsync(CancellationToken.None);
        var all = await AuditLog.ReadAsync(Postgres.SharedConnectionString);
        var want = all.Where(r => (r.Reason ?? "").StartsWith("retry-storm", StringComparison.Ordinal)).Select(r => r.Sequence).OrderDescending().ToList();
        Assert.Equal(60, want.Count);
        Assert.True(AuditSearchSql.TextWindow / 100 >= AuditSearchSql.CommonWordMatches); // the walk path, not the index

        var first = await SearchAsync(Auditor, new AuditQuery { Text = "Retry-Storm" }, all[^1].Sequence + 1, 50); // below the searches' own records
        Assert.Equal(want.Take(50), first.Items.Select(i => i.Sequence));
        Assert.Equal(want, await SearchAllAsync(Auditor, new AuditQuery { Text = "retry-storm" }, pageSize: 50, all[^1].Sequence));
        Assert.Equal(want, await SearchAllAsync(Auditor, new AuditQuery { Text = "retry-st*" }, pageSize: 7, all[^1].Sequence));
    }

    [Fact]
    public async Task An_sre_never_sees_identity_access_or_audit_records_in_search_records_or_the_api()
    {
        await SeedMixAsync();
        var all = await AuditLog.ReadAsync(Postgres.SharedConnectionString);
        Assert.Contains(all, r => r.Action.StartsWith("identity.", StringComparison.Ordinal));
        Assert.Contains(all, r => r.Action.StartsWith("access.", StringComparison.Ordinal));

        var visible = await SearchAllAsync(Sre, AuditQuery.None, pageSize: 9, all[^1].Sequence);
        var operational = all.Where(r => AuditVisibility.IsOperational(r.Action)).Select(r => r.Sequence).OrderDescending().ToList();
        Assert.Equal(operational, visible);
        Assert.Empty(await SearchAllAsync(Sre, new AuditQuery { ActionPrefix = "identity" }, 50, all[^1].Sequence));
        Assert.Empty(await SearchAllAsync(Sre, new AuditQuery { Actor = "alice", ActionPrefix = "access" }, 50, all[^1].Sequence));
        Assert.Empty(await SearchAllAsync(Sre, new AuditQuery { Text = "wrong password" }, 50, all[^1].Sequence)); // only in identity records

        var identity = all.First(r => r.Action.StartsWith("identity.", StringComparison.Ordinal));
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var search = scope.ServiceProvider.GetRequiredService<IAuditSearch>();
            Assert.Null(await search.GetAsync(Sre, identity.Sequence));
            Assert.NotNull(await search.GetAsync(Auditor, identity.Sequence));
            var backup = all.First(r => r.Action.StartsWith("backups.", StringComparison.Ordinal));
            var detail = await search.GetAsync(Sre, backup.Sequence);
            Assert.NotNull(detail);
            Assert.True(detail.PreviousSequence is null || operational.Contains(detail.PreviousSequence.Value));
            Assert.True(detail.NextSequence is null || operational.Contains(detail.NextSequence.Value));
        }

        using var client = await ClientAsync("api-sre", ConsoleRoles.Sre);
        using (var hidden = await client.GetAsync(new Uri($"/api/v1/audit/{identity.Sequence}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
            Assert.Equal("application/problem+json", hidden.Content.Headers.ContentType?.MediaType);
        }

        var page = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit?limit=200");
        Assert.All(page.GetProperty("items").EnumerateArray(), i => Assert.True(AuditVisibility.IsOperational(i.GetProperty("action").GetString()!)));
    }

    [Fact]
    public async Task One_record_over_the_api_has_every_field_and_its_hashes_as_hex()
    {
        await SeedMixAsync();
        var all = await AuditLog.ReadAsync(Postgres.SharedConnectionString);
        var record = all.First(r => r.Reason is not null && r.Action.StartsWith("backups.", StringComparison.Ordinal));

        using var client = await ClientAsync("api-auditor", ConsoleRoles.Auditor);
        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/v1/audit/{record.Sequence}");
        var r = detail.GetProperty("record");
        Assert.Equal(record.Sequence, r.GetProperty("sequence").GetInt64());
        Assert.Equal(record.Action, r.GetProperty("action").GetString());
        Assert.Equal(record.Reason, r.GetProperty("reason").GetString());
        Assert.Equal(record.ActorName, r.GetProperty("actorName").GetString());
        Assert.Equal(record.TargetId, r.GetProperty("targetId").GetString());
        Assert.Equal(Convert.ToHexStringLower(record.Hash), r.GetProperty("hash").GetString());
        Assert.Equal(Convert.ToHexStringLower(record.PreviousHash), r.GetProperty("previousHash").GetString());
        Assert.Equal(record.Sequence - 1, detail.GetProperty("previousSequence").GetInt64());
        Assert.Equal("orders_db", r.GetProperty("details").GetProperty("database").GetString());

        using var missing = await client.GetAsync(new Uri("/api/v1/audit/999999", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z", "to")]
    [InlineData("limit=500", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("cursor=abc", "cursor")]
    [InlineData("outcome=maybe", "outcome")]
    [InlineData("text=ab", "text")]
    [InlineData("text=%2A%2A%2A", "text")]
    [InlineData("actorMatch=fuzzy&actor=x", "actorMatch")]
    [InlineData("action=..", "action")]
    public async Task Bad_input_is_422_naming_the_field(string queryString, string field)
    {
        using var client = await ClientAsync("api-auditor", ConsoleRoles.Auditor);
        using var response = await client.GetAsync(new Uri($"/api/v1/audit?{queryString}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Searching_is_audited_once_per_distinct_filter_not_per_page_or_refresh()
    {
        await SeedAsync(Enumerable.Range(0, 30).Select(i => Entry("someone", "backups.run.started", "backup", $"b{i}")));
        using var client = await ClientAsync("api-auditor", ConsoleRoles.Auditor);

        var first = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=backups&limit=10");
        var cursor = first.GetProperty("nextCursor").GetInt64();
        await client.GetFromJsonAsync<JsonElement>($"/api/v1/audit?action=backups&limit=10&cursor={cursor}"); // next page
        await client.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=backups&limit=10"); // refresh
        await client.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=backups&outcome=failed"); // a new filter

        var records = await AuditLog.WaitForCountAsync(Postgres.SharedConnectionString, "action = 'audit.searched'", 2);
        await Task.Delay(500); // nothing more arrives
        records = await AuditLog.ReadAsync(Postgres.SharedConnectionString, "action = 'audit.searched'");
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal("api-auditor", r.ActorName));
        Assert.Equal("backups", AuditCanonical.ParseDetails(records[0].Details)["action"]);
        Assert.Equal("failed", AuditCanonical.ParseDetails(records[1].Details)["outcome"]);
    }

    [Fact]
    public async Task Viewer_and_oncall_are_refused_by_the_api_and_by_the_service()
    {
        foreach (var role in new[] { ConsoleRoles.Viewer, ConsoleRoles.OnCall })
        {
            using var client = await ClientAsync($"api-{role.ToLowerInvariant()}", role);
            using var response = await client.GetAsync(new Uri("/api/v1/audit", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

            await using var scope = Console.Services.CreateAsyncScope();
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
                scope.ServiceProvider.GetRequiredService<IAuditSearch>().SearchAsync(Principal("p", role), AuditQuery.None, null, 10));
        }

        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'audit.access' AND outcome = 'denied'");
    }

    [Fact]
    public async Task Targets_get_their_current_names_and_an_unknown_id_stays_an_id()
    {
        string aliceId;
        Guid displayId;
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<OpsConsole.Core.Identity.AccountService>().CreateUserAsync("named-alice", ConsoleRoles.Viewer);
            aliceId = (await scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<ConsoleUser>>().FindByNameAsync("named-alice"))!.Id;
            var admin = TestPrincipals.Of("namer-admin", ConsoleRoles.Admin, id: "id-namer-admin");
            displayId = (await scope.ServiceProvider.GetRequiredService<OpsConsole.Core.Identity.Displays.DisplayDeviceService>().CreateAsync(admin, "Lobby TV")).Device.Id;
        }

        await SeedAsync(
        [
            Entry("namer", "identity.user.disabled", "user", aliceId),
            Entry("namer", "identity.user.disabled", "user", "3f2a-no-such-user"),
            Entry("namer", "identity.display.revoked", "display", displayId.ToString()),
            Entry("namer", "backups.run.started", "backup", "orders_db"),
        ]);

        var page = await SearchAsync(Auditor, new AuditQuery { Actor = "namer" }, null, 50);

        Assert.Equal(["orders_db", displayId.ToString(), "3f2a-no-such-user", aliceId], page.Items.Select(i => i.TargetId));
        Assert.Equal([null, "Lobby TV", null, "named-alice"], page.Items.Select(i => i.TargetName));
        var sequence = page.Items[^1].Sequence;
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            Assert.Equal("named-alice", (await scope.ServiceProvider.GetRequiredService<IAuditSearch>().GetAsync(Auditor, sequence))!.Record.TargetName);
        }

        // The API carries the name beside the id.
        using var client = await ClientAsync("api-namer", ConsoleRoles.Auditor);
        var api = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit?actor=namer");
        var names = api.GetProperty("items").EnumerateArray().Select(i => i.TryGetProperty("targetName", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null);
        Assert.Equal([null, "Lobby TV", null, "named-alice"], names);
    }

    internal static ClaimsPrincipal Principal(string name, string role) => TestPrincipals.Of(name, role, id: $"id-{name}");

    private async Task<HttpClient> ClientAsync(string userName, string role)
    {
        var token = await Console.CreateTokenForNewUserAsync(userName, role);
        var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<AuditSearchPage> SearchAsync(ClaimsPrincipal caller, AuditQuery query, long? cursor, int pageSize)
    {
        await using var scope = Console.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IAuditSearch>().SearchAsync(caller, query, cursor, pageSize);
    }

    private async Task<AuditSearchPage> NewerAsync(ClaimsPrincipal caller, AuditQuery query, long newerThan, int pageSize)
    {
        await using var scope = Console.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IAuditSearch>().NewerAsync(caller, query, newerThan, pageSize);
    }

    /// <summary>All pages of a search, by following nextCursor; fails on a repeated record.</summary>
    /// <remarks>Searches record themselves (audit.searched): the cursor starts above <paramref name="top"/> to ignore those.</remarks>
    private async Task<List<long>> SearchAllAsync(ClaimsPrincipal caller, AuditQuery query, int pageSize, long top)
    {
        var result = new List<long>();
        long? cursor = top + 1;
        while (cursor is not null)
        {
            var page = await SearchAsync(caller, query, cursor, pageSize);
            Assert.True(page.Items.Count <= pageSize);
            result.AddRange(page.Items.Select(i => i.Sequence));
            cursor = page.NextCursor;
        }

        Assert.Equal(result.Count, result.Distinct().Count());
        return result;
    }

    internal static AuditEntry Entry(string actor, string action, string targetType, string targetId, string outcome = AuditOutcome.Succeeded,
        string? reason = null, IReadOnlyDictionary<string, string?>? details = null) =>
        new(Principal(actor, ConsoleRoles.Sre), action, targetType, targetId, outcome, details, reason);

    internal Task SeedAsync(IEnumerable<AuditEntry> entries) => SeedAsync(Console, entries);

    internal static async Task SeedAsync(TestConsole console, IEnumerable<AuditEntry> entries)
    {
        await using (var scope = console.Services.CreateAsyncScope())
        {
            var trail = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
            foreach (var entry in entries)
            {
                await trail.RecordAsync(entry);
            }
        }

        await console.Services.GetRequiredService<AuditChainWriter>().DrainAsync(CancellationToken.None);
    }

    /// <summary>Sixty-odd records over every filter dimension, operational and not.</summary>
    private Task SeedMixAsync()
    {
        var entries = new List<AuditEntry>();
        var actors = new[] { "alice", "alina", "bob", "ali" };
        for (var i = 0; i < 64; i++)
        {
            var actor = actors[(i + (i / 8)) % actors.Length];
            entries.Add((i % 8) switch
            {
                0 => Entry(actor, "identity.user.created", "user", $"u-{i}"),
                1 => Entry(actor, "identity.users.access", "user", "*", AuditOutcome.Denied, reason: "wrong password"),
                2 => Entry(actor, "access.forbidden", "endpoint", "GET /api/v1/users", AuditOutcome.Denied),
                3 => Entry(actor, "backups.run.started", "backup", "orders_db", details: new Dictionary<string, string?> { ["database"] = "orders_db" }, reason: "nightly"),
                4 => Entry(actor, "backups.run.failed", "backup", "orders_db", AuditOutcome.Failed, reason: i % 16 == 4 ? "Disk full on node-3" : "timeout",
                    details: new Dictionary<string, string?> { ["database"] = "orders_db" }),
                5 => Entry(actor, "alerts.ack", "alert", i % 3 == 0 ? "a-7" : "a-9", reason: i == 13 ? "ack at 100%_x load" : null),
                6 => Entry(actor, "identity.user", "user", $"u-{i}"),
                _ => Entry(actor, "migrations.applied", "database", "crm", details: new Dictionary<string, string?> { ["version"] = $"v{i}" }),
            });
        }

        return SeedAsync(entries);
    }

    /// <summary>The test's own reading of a word (migration AuditWordSearch): letter-or-digit runs and compounds of them.</summary>
    private static HashSet<string> Words(AuditRecord record)
    {
        var text = ((record.Reason ?? "") + " " + record.Details).ToLowerInvariant();
        var words = System.Text.RegularExpressions.Regex.Split(text, "[^\\p{L}\\p{N}]+").Where(w => w.Length > 0).ToHashSet();
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, "[\\p{L}\\p{N}]+(?:[-_.:/@][\\p{L}\\p{N}]+)+"))
        {
            words.Add(m.Value);
        }

        return words;
    }

    private static bool HasWords(AuditRecord record, params string[] words) => words.All(Words(record).Contains);
}
