using System.Security.Cryptography;
using OpsConsole.Core.Audit;

namespace OpsConsole.Core.Tests.Audit;

/// <summary>The verifier's diagnosis on in-memory chains: the first broken sequence and what is wrong with it.</summary>
public sealed class AuditChainCheckerTests
{
    private sealed record Row(long Sequence, byte[] Previous, byte[] Hash, bool ContentMatches = true);

    private static List<Row> Chain(int count)
    {
        var rows = new List<Row>();
        var previous = new byte[32];
        for (var s = 1; s <= count; s++)
        {
            var hash = SHA256.HashData(BitConverter.GetBytes(s));
            rows.Add(new Row(s, previous, hash));
            previous = hash;
        }

        return rows;
    }

    private static AuditChainChecker Run(IEnumerable<Row> rows, long head, params AuditCheckpoint[] checkpoints)
    {
        var checker = new AuditChainChecker(checkpoints);
        foreach (var row in rows)
        {
            if (!checker.Accept(row.Sequence, row.Previous, row.Hash, row.ContentMatches))
            {
                break;
            }
        }

        checker.Complete(head);
        return checker;
    }

    private static AuditCheckpoint At(long number, Row row) => new() { Number = number, LastSequence = row.Sequence, LastHash = row.Hash };

    [Fact]
    public void An_intact_chain_passes_with_every_record_counted()
    {
        var rows = Chain(100);
        var checker = Run(rows, 100, At(1, rows[49]), At(2, rows[99]));

        Assert.Null(checker.Failure);
        Assert.Equal(100, checker.Checked);
    }

    [Fact]
    public void An_empty_log_passes()
    {
        var checker = Run([], 0);
        Assert.Null(checker.Failure);
        Assert.Equal(0, checker.Checked);
    }

    [Fact]
    public void A_deleted_middle_record_is_reported_missing_at_its_sequence()
    {
        var rows = Chain(10);
        rows.RemoveAt(4); // sequence 5

        var failure = Run(rows, 10).Failure!;

        Assert.Equal(AuditIntegrityProblem.RecordMissing, failure.Problem);
        Assert.Equal(5, failure.Sequence);
        Assert.Contains("record missing", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deleted_first_record_is_reported_at_one()
    {
        var failure = Run(Chain(3).Skip(1), 3).Failure!;
        Assert.Equal((AuditIntegrityProblem.RecordMissing, 1L), (failure.Problem, failure.Sequence));
    }

    [Fact]
    public void An_edited_record_is_content_changed_at_its_sequence()
    {
        var rows = Chain(10);
        rows[6] = rows[6] with { ContentMatches = false };

        var checker = Run(rows, 10);

        Assert.Equal(AuditIntegrityProblem.ContentChanged, checker.Failure!.Problem);
        Assert.Equal(7, checker.Failure.Sequence);
        Assert.Equal(6, checker.Checked);
    }

    [Fact]
    public void A_replaced_and_rehashed_record_breaks_the_next_link()
    {
        var rows = Chain(10);
        rows[2] = rows[2] with { Hash = SHA256.HashData("forged"u8) }; // record 3 self-consistent, but 4 links to the original

        var failure = Run(rows, 10).Failure!;

        Assert.Equal(AuditIntegrityProblem.LinkBroken, failure.Problem);
        Assert.Equal(4, failure.Sequence);
    }

    [Fact]
    public void A_rewritten_tail_is_caught_by_the_checkpoint_that_signed_it()
    {
        var rows = Chain(10);
        var checkpoint = At(1, rows[9]);
        // Rewrite records 8..10 with a consistent new chain: links hold, only the signed hash differs.
        var previous = rows[6].Hash;
        for (var i = 7; i < 10; i++)
        {
            var hash = SHA256.HashData([.. previous, 1]);
            rows[i] = rows[i] with { Previous = previous, Hash = hash };
            previous = hash;
        }

        var failure = Run(rows, 10, checkpoint).Failure!;

        Assert.Equal(AuditIntegrityProblem.CheckpointMismatch, failure.Problem);
        Assert.Equal(10, failure.Sequence);
        Assert.Equal(1, failure.Checkpoint);
    }

    [Fact]
    public void Deleting_the_newest_records_after_a_checkpoint_is_reported()
    {
        var rows = Chain(10);
        var checkpoint = At(1, rows[9]);

        var failure = Run(rows.Take(7), 7, checkpoint).Failure!;

        Assert.Equal(AuditIntegrityProblem.NewestRecordsMissing, failure.Problem);
        Assert.Equal(8, failure.Sequence);
        Assert.Contains("records after the last checkpoint missing", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_shorter_than_its_chain_head_is_reported()
    {
        var failure = Run(Chain(10).Take(9), 10).Failure!;
        Assert.Equal((AuditIntegrityProblem.NewestRecordsMissing, 10L), (failure.Problem, failure.Sequence));
    }

    [Fact]
    public void The_earlier_of_a_record_and_a_checkpoint_failure_is_reported()
    {
        var record = new AuditIntegrityFailure(AuditIntegrityProblem.ContentChanged, 50, null, "r") { Position = 50 };
        var checkpoint = new AuditIntegrityFailure(AuditIntegrityProblem.CheckpointSignatureInvalid, null, 1, "c") { Position = 20 };

        Assert.Same(checkpoint, AuditChainChecker.First(record, checkpoint));
        Assert.Same(record, AuditChainChecker.First(record, checkpoint with { Position = 50 }));
        Assert.Same(record, AuditChainChecker.First(record, null));
    }
}
