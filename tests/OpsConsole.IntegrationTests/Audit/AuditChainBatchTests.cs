using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Audit;

/// <summary>
/// Group commit on a real PostgreSQL: many concurrent appends become one batch, one transaction, consecutive links of
/// one chain; a batch that fails anywhere leaves nothing behind. A second writer (not hosted, drained by the test) works
/// beside the console's own, as a second instance's would, so the batches are exactly what the test queued.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditChainBatchTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    [Fact]
    public async Task A_batch_of_concurrent_appends_is_one_commit_of_consecutive_sequences_in_call_order_on_an_intact_chain()
    {
        using var writer = await OnlyWriterAsync();
        var head = await HeadAsync();

        // Many callers at once; each append is queued before its call returns, in call order per caller.
        const int callers = 16, perCaller = 50;
        var appends = await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(() =>
            Enumerable.Range(0, perCaller).Select(i => writer.AppendAsync(Item($"{c}-{i}"))).ToArray())));
        var chained = await writer.DrainAsync(CancellationToken.None);
        await Task.WhenAll(appends.SelectMany(a => a));

        Assert.Equal(callers * perCaller, chained);
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(DISTINCT xmin::text) FROM console.audit_log WHERE action = 'test.batched'")); // one transaction
        var records = await AuditLog.ReadAsync(Postgres.SharedConnectionString, "action = 'test.batched'");
        Assert.Equal(callers * perCaller, records.Count);
        Assert.Equal(Enumerable.Range(1, chained).Select(i => head.Sequence + i), records.Select(r => r.Sequence)); // one unbroken run after the head
        Assert.Equal(head.Hash, records[0].PreviousHash);
        for (var c = 0; c < callers; c++)
        {
            var mine = records.Where(r => r.TargetId!.StartsWith($"{c}-", StringComparison.Ordinal)).Select(r => r.TargetId).ToList();
            Assert.Equal(Enumerable.Range(0, perCaller).Select(i => $"{c}-{i}"), mine); // a caller's records in its order
        }

        await AuditLog.AssertChainIntactAsync(Postgres.SharedConnectionString);
    }

    [Fact]
    public async Task A_batch_that_fails_midway_leaves_no_record_of_it_the_head_unmoved_and_the_callers_told()
    {
        using var writer = await OnlyWriterAsync();
        var before = writer.AppendAsync(Item("before"));
        await writer.DrainAsync(CancellationToken.None);
        await before;
        var head = await HeadAsync();

        // The third of five rows is refused by PostgreSQL while the COPY is under way: the two before it are already
        // in the table inside the batch's transaction.
        await ExecuteAsSuperuserAsync("""
            CREATE FUNCTION console.test_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN IF NEW.target_id = 'poison' THEN RAISE EXCEPTION 'poisoned record'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER test_refuse_poison BEFORE INSERT ON console.audit_log FOR EACH ROW EXECUTE FUNCTION console.test_refuse_poison();
            """);
        Task[] appends = [];
        try
        {
            appends = new[] { "first", "second", "poison", "fourth", "fifth" }.Select(id => writer.AppendAsync(Item(id))).ToArray();
            var failure = await Assert.ThrowsAsync<PostgresException>(() => writer.DrainAsync(CancellationToken.None));
            Assert.Contains("poisoned record", failure.MessageText, StringComparison.Ordinal);
        }
        finally
        {
            await ExecuteAsSuperuserAsync("DROP TRIGGER test_refuse_poison ON console.audit_log; DROP FUNCTION console.test_refuse_poison();");
        }

        foreach (var append in appends)
        {
            Assert.IsType<PostgresException>(await Record.ExceptionAsync(() => append)); // every caller of the batch learns it failed
        }

        Assert.Equal(["before"], (await AuditLog.ReadAsync(Postgres.SharedConnectionString, "action = 'test.batched'")).Select(r => r.TargetId));
        var unmoved = await HeadAsync();
        Assert.Equal(head.Sequence, unmoved.Sequence);
        Assert.Equal(head.Hash, unmoved.Hash);

        // The chain goes on from the same head.
        var next = writer.AppendAsync(Item("after"));
        Assert.Equal(1, await writer.DrainAsync(CancellationToken.None));
        await next;
        var after = (await AuditLog.ReadAsync(Postgres.SharedConnectionString, "action = 'test.batched'"))[^1];
        Assert.Equal("after", after.TargetId);
        Assert.Equal(head.Sequence + 1, after.Sequence);
        Assert.Equal(head.Hash, after.PreviousHash);
        await AuditLog.AssertChainIntactAsync(Postgres.SharedConnectionString);
    }

    [Fact]
    public async Task Records_committed_with_their_actions_and_waiting_records_share_one_batch_inbox_first_and_leave_the_inbox_empty()
    {
        using var writer = await OnlyWriterAsync();
        // Inbox rows as an action's transaction leaves them (here: another instance's, whose writer has not run yet).
        await using (var connection = new NpgsqlConnection(Postgres.SharedConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand(
                $"INSERT INTO console.audit_inbox ({AuditChainWriter.FieldColumns}) " +
                "SELECT now(), 'system', NULL, 'system', '{}', 'test.batched', 'test', 'inbox-' || i, 'succeeded', NULL, NULL, NULL, NULL, " +
                "jsonb_build_object('i', i::text, 'é', 'non-ascii key') FROM generate_series(1, 3) AS i", connection);
            await insert.ExecuteNonQueryAsync();
        }

        var head = await HeadAsync();
        var direct = writer.AppendAsync(Item("direct"));
        var chained = await writer.DrainAsync(CancellationToken.None);
        await direct;

        var records = await AuditLog.ReadAsync(Postgres.SharedConnectionString, "action = 'test.batched'");
        Assert.Equal(["inbox-1", "inbox-2", "inbox-3", "direct"], records.Select(r => r.TargetId));
        Assert.Equal(Enumerable.Range(1, 4).Select(i => head.Sequence + i), records.Select(r => r.Sequence));
        Assert.Equal(4, chained);
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(DISTINCT xmin::text) FROM console.audit_log WHERE action = 'test.batched'"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM console.audit_inbox"));
        await AuditLog.AssertChainIntactAsync(Postgres.SharedConnectionString);
    }

    /// <summary>
    /// A writer of the test's own, drained by the test, after the console's hosted one has chained what it had and
    /// stopped: every batch is then exactly what the test queued, and nothing else moves the head meanwhile.
    /// </summary>
    private async Task<AuditChainWriter> OnlyWriterAsync()
    {
        var hosted = Console.Services.GetRequiredService<AuditChainWriter>();
        await hosted.DrainAsync(CancellationToken.None);
        await hosted.StopAsync(CancellationToken.None);
        return new AuditChainWriter(Console.Services.GetRequiredService<ConsoleConnectionStrings>(), new LiveEventBus(), NullLogger<AuditChainWriter>.Instance);
    }

    private static AuditInboxItem Item(string targetId) =>
        DatabaseAuditTrail.ToInboxItem(
            new AuditEntry(AuditActors.System, "test.batched", "test", targetId, AuditOutcome.Succeeded,
                new Dictionary<string, string?> { ["n"] = targetId, ["at"] = DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture) }),
            null,
            DateTimeOffset.UtcNow);

    private async Task<(long Sequence, byte[] Hash)> HeadAsync()
    {
        await using var connection = new NpgsqlConnection(Postgres.SharedConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT last_sequence, last_hash FROM console.audit_chain_head WHERE id = 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), (byte[])reader[1]);
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(Postgres.SharedConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsSuperuserAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Postgres.SharedConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
