using System.Buffers.Binary;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Tests.Audit;

/// <summary>
/// The chain writer's batch: COPY tuples encoded once and hashed from their own bytes must carry exactly the reference
/// hashes (<see cref="AuditCanonical"/>), chained, and decode back to the fields they were made from.
/// </summary>
public sealed class AuditLogBatchTests
{
    private static readonly string?[] Texts =
    [
        null, "", "plain", "quote \" and backslash \\", "tab\tnew\nline\rcr", "bell\u0007 \u001f", "é ü ß ñ", "emoji 😀 𝄞",
        "日本語", "\u007f del", "{\"not\":\"json\"}", "\u2028 line sep", "lone \ud800 surrogate",
    ];

    private static readonly string[] Keys = ["a", "z", "token", "B", "é-key", "日本", "quote\"key", "n"];

    [Fact]
    public void The_golden_sample_gets_the_golden_hash_when_it_follows_a_zero_head()
    {
        var batch = new AuditLogBatch();
        batch.Start(6, new byte[32]);
        batch.Add(GoldenSample());
        batch.Add(GoldenSample());

        var tuples = Tuples(batch.Complete().Span);
        Assert.Equal(7, tuples[0].Sequence);
        Assert.Equal("eb144f226141876d1a24c2df1512da515540f3fb75f1a67e51d952fff074f31c", Convert.ToHexStringLower(tuples[0].Hash));
        Assert.Equal("56315a364bf4cfbf2dba3fd67d4d0184e958f44b46ddf217c9b64b83bc79ee32", Convert.ToHexStringLower(tuples[1].Hash));
        Assert.Equal(tuples[0].Hash, tuples[1].PreviousHash);
        Assert.Equal(8, batch.LastSequence);
        Assert.Equal(tuples[1].Hash, batch.LastHash.ToArray());
    }

    [Fact]
    public void Every_record_carries_the_reference_hash_chained_onto_the_previous_one_and_decodes_to_its_fields()
    {
        var random = new Random(20261124);
        var head = new byte[32];
        random.NextBytes(head);
        var items = Enumerable.Range(0, 3000).Select(_ => RandomItem(random)).ToList();
        var batch = new AuditLogBatch();
        batch.Start(41, head);
        foreach (var item in items)
        {
            batch.Add(item);
        }

        var tuples = Tuples(batch.Complete().Span);
        Assert.Equal(items.Count, tuples.Count);
        var previous = head;
        for (var i = 0; i < items.Count; i++)
        {
            var decoded = tuples[i];
            Assert.Equal(42 + i, decoded.Sequence);
            Assert.Equal(previous, decoded.PreviousHash);
            var expected = AuditCanonical.Hash(42 + i, previous, items[i]);
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(decoded.Hash));
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(AuditCanonical.Hash(decoded.Sequence, decoded.PreviousHash, decoded))); // as the verifier reads it
            Assert.Equal(AuditCanonical.ToStoredPrecision(items[i].OccurredAt), decoded.OccurredAt);
            Assert.Equal(items[i].ActorId is null, decoded.ActorId is null);
            Assert.Equal(items[i].Reason is null, decoded.Reason is null);
            Assert.Equal(items[i].ActorRoles.Length, decoded.ActorRoles.Length);
            previous = expected;
        }

        Assert.Equal(41 + items.Count, batch.LastSequence);
    }

    [Fact]
    public void An_inbox_row_spliced_byte_for_byte_hashes_and_encodes_exactly_like_the_same_record_added_directly()
    {
        var random = new Random(7);
        var items = Enumerable.Range(0, 200).Select(_ => RandomItem(random)).ToList();
        var direct = new AuditLogBatch();
        var spliced = new AuditLogBatch();
        direct.Start(0, new byte[32]);
        spliced.Start(0, new byte[32]);
        foreach (var item in items)
        {
            direct.Add(item);

            // What COPY (SELECT id, <fields> FROM audit_inbox) sends after the id is what the log tuple has after its
            // three chain columns: take those fields from a reference encoding.
            var tuple = AuditCopyFormat.Encode(new AuditRecord
            {
                PreviousHash = new byte[32], Hash = new byte[32], OccurredAt = item.OccurredAt, ActorType = item.ActorType, ActorId = item.ActorId,
                ActorName = item.ActorName, ActorRoles = item.ActorRoles, Action = item.Action, TargetType = item.TargetType, TargetId = item.TargetId,
                Outcome = item.Outcome, Reason = item.Reason, ClientIp = item.ClientIp, UserAgent = item.UserAgent, CorrelationId = item.CorrelationId,
                Details = item.Details,
            });
            var fieldsStart = 2 + (4 + 8) + (4 + 32) + (4 + 32);
            spliced.AddFields(tuple.AsSpan(fieldsStart));
        }

        Assert.Equal(direct.Complete().ToArray(), spliced.Complete().ToArray());
        Assert.Equal(direct.LastHash.ToArray(), spliced.LastHash.ToArray());
    }

    [Fact]
    public void Empty_details_are_stored_as_an_empty_object_which_hashes_the_same()
    {
        var batch = new AuditLogBatch();
        batch.Start(0, new byte[32]);
        var items = new[] { "", "  ", "{}" }.Select(details =>
        {
            var item = GoldenSample();
            item.Details = details;
            return item;
        }).ToList();
        foreach (var item in items)
        {
            batch.Add(item);
        }

        var tuples = Tuples(batch.Complete().Span);
        var previous = new byte[32];
        for (var i = 0; i < items.Count; i++)
        {
            Assert.Equal("{}", tuples[i].Details); // PostgreSQL would refuse "" as jsonb, failing the whole batch
            Assert.Equal(AuditCanonical.Hash(i + 1, previous, items[i]), tuples[i].Hash);
            previous = tuples[i].Hash;
        }
    }

    [Fact]
    public void A_record_whose_details_cannot_be_hashed_is_refused_before_anything_is_sent()
    {
        var batch = new AuditLogBatch();
        batch.Start(0, new byte[32]);
        var item = GoldenSample();
        item.Details = """{"count":3}""";

        Assert.Throws<InvalidOperationException>(() => batch.Add(item));
    }

    [Fact]
    public void A_context_that_was_never_used_is_known_to_have_no_transaction_without_being_initialized()
    {
        Assert.True(DbContextTransactionProbe.CanTellUnusedContexts, "EF Core no longer has the field the probe reads: every audited record would initialize its DbContext");
        var options = new DbContextOptionsBuilder<ConsoleDbContext>().UseNpgsql("Host=127.0.0.1;Database=none").Options;
        using var fresh = new ConsoleDbContext(options);
        Assert.False(DbContextTransactionProbe.MayHaveTransaction(fresh));
        Assert.Null(DbContextTransactionProbe.CurrentTransaction(fresh));
        Assert.False(DbContextTransactionProbe.MayHaveTransaction(fresh)); // asking did not initialize it

        using var used = new ConsoleDbContext(options);
        Assert.Null(used.Database.CurrentTransaction);
        Assert.True(DbContextTransactionProbe.MayHaveTransaction(used)); // a used context is always asked
    }

    private static AuditInboxItem GoldenSample() => AuditGoldenSample.InboxItem();

    private static AuditInboxItem RandomItem(Random random)
    {
        string? Text() => Texts[random.Next(Texts.Length)];
        var details = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var k = random.Next(0, 5); k > 0; k--)
        {
            details[Keys[random.Next(Keys.Length)]] = Text();
        }

        return new AuditInboxItem
        {
            OccurredAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay * 3650)),
            ActorType = Texts[random.Next(2, Texts.Length)]!,
            ActorId = Text(),
            ActorName = Texts[random.Next(1, Texts.Length)]!,
            ActorRoles = random.Next(4) switch
            {
                0 => [],
                1 => ["Sre"],
                2 => ["Sre", "Admin", "Auditor"],
                _ => ["é", "Z", "a"],
            },
            Action = "bench." + random.Next(100),
            TargetType = Texts[random.Next(1, Texts.Length)]!,
            TargetId = Text(),
            Outcome = AuditOutcome.Denied,
            Reason = Text(),
            ClientIp = Text(),
            UserAgent = Text(),
            CorrelationId = Text(),
            Details = AuditCanonical.SerializeDetails(details),
        };
    }

    private static List<AuditRecord> Tuples(ReadOnlySpan<byte> copy)
    {
        var records = new List<AuditRecord>();
        var position = AuditCopyFormat.HeaderLength(copy);
        Assert.Equal(19, position);
        while (true)
        {
            var length = AuditCopyFormat.TupleLength(copy[position..], out var trailer);
            Assert.True(length > 0);
            if (trailer)
            {
                Assert.Equal(copy.Length, position + 2);
                return records;
            }

            records.Add(AuditCopyFormat.Decode(copy.Slice(position, length)));
            Assert.Equal(AuditCopyFormat.FieldCount, BinaryPrimitives.ReadInt16BigEndian(copy[position..]));
            position += length;
        }
    }
}
